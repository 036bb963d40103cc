package io.verity.protocol.json;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a request's field errors up to {@link #MAX}, counting the rest: a body of a million unknown members
 * gets an answer of twenty errors and "999980 more", not one a hundred times its own size. The one cap of every
 * reader (tensors, receipts, requests) and of every problem document ({@link io.verity.protocol.wire.Problem}).
 */
public final class FieldErrors {
    /** Errors listed in one answer; the rest are counted in a last entry. */
    public static final int MAX = 20;

    private final List<FieldError> list = new ArrayList<>();
    private int dropped;

    public void add(String pointer, String detail) {
        if (list.size() < MAX) list.add(new FieldError(pointer, detail));
        else dropped++;
    }

    public void addAll(List<FieldError> errors) {
        errors.forEach(e -> add(e.pointer(), e.detail()));
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** How many were added, listed or not. */
    public int count() {
        return list.size() + dropped;
    }

    /** The listed errors, then one "N more errors not shown" entry when some were dropped. */
    public List<FieldError> toList() {
        List<FieldError> out = new ArrayList<>(list);
        if (dropped > 0) out.add(new FieldError("", dropped + " more errors not shown"));
        return List.copyOf(out);
    }

    /** @throws InvalidFieldException with {@link #toList()} when any error was added */
    public void throwIfAny() {
        if (!list.isEmpty()) throw new InvalidFieldException(toList());
    }

    /**
     * Any list cut to {@link #MAX} the same way, for errors that did not pass through a collector; a list of
     * {@code MAX + 1} is left alone, as it may already end in a collector's "more" entry.
     */
    public static List<FieldError> cap(List<FieldError> errors) {
        if (errors.size() <= MAX + 1) return errors;
        FieldErrors c = new FieldErrors();
        c.addAll(errors);
        return c.toList();
    }
}
