package io.verity.explorer.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * A tiny HTML builder that escapes every text it is given; pages are rendered on the server, no template engine.
 * Hrefs come in two kinds: the explorer's own paths ({@link #a}, {@link #link}: a literal path the caller
 * builds, with chain-controlled parts passed through {@link #param}) and addresses a stranger chose (a batch
 * URI, a node endpoint): those go through {@link #external}, which links only http(s) and shows anything else
 * as text, so a {@code javascript:} URI committed on chain never becomes a link.
 */
public final class Html {
    private final StringBuilder sb = new StringBuilder();

    public static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Appends markup as is: only for literals and output of this class. */
    Html raw(String markup) {
        sb.append(markup);
        return this;
    }

    Html text(Object o) {
        sb.append(esc(o));
        return this;
    }

    Html h1(Object o) {
        return raw("<h1>").text(o).raw("</h1>\n");
    }

    Html h2(Object o) {
        return raw("<h2>").text(o).raw("</h2>\n");
    }

    Html p(Object o) {
        return raw("<p>").text(o).raw("</p>\n");
    }

    /** A link to one of the explorer's own pages: {@code href} must be a path ("/..."), never a URI from outside. */
    Html a(String href, Object o) {
        if (!href.startsWith("/") || href.startsWith("//")) throw new IllegalArgumentException("not a path on this explorer: " + href);
        return raw("<a href=\"").text(href).raw("\">").text(o).raw("</a>");
    }

    /** A definition list row: label, value (already markup). */
    Html row(String label, String valueMarkup) {
        return raw("<tr><th>").text(label).raw("</th><td>").raw(valueMarkup).raw("</td></tr>\n");
    }

    static String link(String href, Object text) {
        return new Html().a(href, text).toString();
    }

    /** {@code uri} as a link when it is an absolute http(s) URI, else as escaped text (never an href). */
    static String external(String uri) {
        return httpUri(uri).map(u -> "<a href=\"" + esc(u) + "\" rel=\"noopener noreferrer nofollow\">" + esc(uri) + "</a>")
                .orElseGet(() -> code(uri));
    }

    /**
     * {@code raw} when it parses as an absolute URI with scheme http or https and a host; empty otherwise
     * (javascript:, data:, relative or malformed). Strict on purpose: what a browser would "repair" (a tab
     * inside the scheme, leading spaces) is not a URI here.
     */
    static Optional<String> httpUri(String raw) {
        if (raw == null) return Optional.empty();
        try {
            URI u = new URI(raw);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && u.getHost() != null ? Optional.of(raw) : Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** A query parameter value, percent-encoded: for chain- or gateway-supplied parts of the explorer's own hrefs. */
    static String param(Object value) {
        return URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8);
    }

    static String code(Object text) {
        return "<code>" + esc(text) + "</code>";
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /** The page frame: header with search, then {@code body}. */
    static String page(String title, String query, String body) {
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + " · Verity explorer</title>"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<link rel=\"stylesheet\" href=\"/static/explorer.css\"></head><body>\n"
                + "<header><a class=\"brand\" href=\"/\">Verity explorer</a> <a href=\"/verify\">Verify a receipt</a> <a href=\"/outcomes\">Outcomes</a>"
                + "<form action=\"/search\" method=\"get\"><input name=\"q\" id=\"q\" size=\"50\" value=\"" + esc(query) + "\""
                + " placeholder=\"receipt id, request id, node address, model digest, tx hash\"><button>Search</button></form></header>\n"
                + "<main>\n" + body + "</main></body></html>\n";
    }
}
