package io.verity.protocol.json;

import java.util.ArrayList;
import java.util.List;

/** Collects field errors while reading; caps the count so a bad million-element array yields a short report. */
final class Errors {
    static final int MAX = 20;

    private final List<FieldError> list = new ArrayList<>();
    private int dropped;

    void add(String pointer, String detail) {
        if (list.size() < MAX) list.add(new FieldError(pointer, detail));
        else dropped++;
    }

    int count() {
        return list.size() + dropped;
    }

    void throwIfAny() {
        if (list.isEmpty()) return;
        List<FieldError> out = new ArrayList<>(list);
        if (dropped > 0) out.add(new FieldError("", dropped + " more errors not shown"));
        throw new InvalidFieldException(out);
    }
}
