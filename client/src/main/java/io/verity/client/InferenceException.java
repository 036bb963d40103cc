package io.verity.client;

/**
 * Why {@link VerityClient} has no answer to give: the answer came back but did not verify
 * ({@link UnverifiedAnswerException}), the server refused the request ({@link ProblemException}), or no answer
 * came at all ({@link UnreachableException}). Unchecked, because there is nothing to return in any of these cases
 * and a caller that wants to retry switches on the subtype.
 */
public abstract sealed class InferenceException extends RuntimeException
        permits UnverifiedAnswerException, ProblemException, UnreachableException {
    InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
