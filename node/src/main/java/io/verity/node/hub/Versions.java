package io.verity.node.hub;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Orders versions the way people read them: semantic-versioning style where it applies ("1.10.0" after
 * "1.9.2", "2.0.0-rc.1" before "2.0.0", build metadata after '+' ignored) and natural order otherwise (runs
 * of digits compare as numbers, other runs as text), e.g. "v2" before "v10".
 */
final class Versions {
    static final Comparator<String> ORDER = Versions::compare;

    private Versions() {}

    static int compare(String a, String b) {
        String ca = stripBuild(a);
        String cb = stripBuild(b);
        int da = ca.indexOf('-');
        int db = cb.indexOf('-');
        String coreA = da < 0 ? ca : ca.substring(0, da);
        String coreB = db < 0 ? cb : cb.substring(0, db);
        int c = natural(coreA, coreB);
        if (c != 0) return c;
        if (da < 0 || db < 0) {
            if (da >= 0 || db >= 0) return da < 0 ? 1 : -1; // a pre-release comes before its release
        } else {
            c = natural(ca.substring(da + 1), cb.substring(db + 1));
            if (c != 0) return c;
        }
        return a.compareTo(b); // total order: equal-looking versions ("1.0" vs "1.00") still differ
    }

    private static String stripBuild(String v) {
        int plus = v.indexOf('+');
        return plus < 0 ? v : v.substring(0, plus);
    }

    static int natural(String a, String b) {
        List<String> pa = chunks(a);
        List<String> pb = chunks(b);
        for (int i = 0; i < Math.min(pa.size(), pb.size()); i++) {
            String x = pa.get(i);
            String y = pb.get(i);
            boolean nx = Character.isDigit(x.charAt(0));
            boolean ny = Character.isDigit(y.charAt(0));
            int c;
            if (nx && ny) {
                c = compareNumbers(x, y);
            } else if (nx != ny) {
                c = nx ? -1 : 1; // numbers before words, as semver orders pre-release identifiers
            } else {
                c = x.compareTo(y);
            }
            if (c != 0) return c;
        }
        return Integer.compare(pa.size(), pb.size());
    }

    private static int compareNumbers(String x, String y) {
        String sx = x.replaceFirst("^0+(?=.)", "");
        String sy = y.replaceFirst("^0+(?=.)", "");
        if (sx.length() != sy.length()) return Integer.compare(sx.length(), sy.length());
        return sx.compareTo(sy);
    }

    /** Runs of digits and runs of letters; separators (. _ -) only split. */
    private static List<String> chunks(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (!Character.isLetterOrDigit(ch)) {
                i++;
                continue;
            }
            boolean digit = Character.isDigit(ch);
            int j = i;
            while (j < s.length() && Character.isLetterOrDigit(s.charAt(j))
                    && Character.isDigit(s.charAt(j)) == digit) {
                j++;
            }
            out.add(s.substring(i, j));
            i = j;
        }
        return out;
    }
}
