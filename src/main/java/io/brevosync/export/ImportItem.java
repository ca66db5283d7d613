package io.brevosync.export;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One row's Brevo import item as JSON, written as it is mapped: {"email":…,"attributes":{…}}. The bytes are what
 * Jackson's generator writes (a test holds the two together), without a generator, its buffers and its checks per row:
 * those were a quarter of the CPU of mapping a row.
 */
final class ImportItem {

    private static final ObjectMapper JSON = new ObjectMapper();

    private byte[] bytes = new byte[256];
    private int size;
    private boolean firstAttribute = true;

    ImportItem(String email) {
        ascii("{\"email\":");
        string(email);
        ascii(",\"attributes\":{");
    }

    /** An attribute: a text, a boolean, a number or a list of texts (multiple-choice), as Normalise gives them. */
    void attribute(String name, Object value) {
        if (!firstAttribute) {
            put((byte) ',');
        }
        firstAttribute = false;
        string(name);
        put((byte) ':');
        if (value instanceof String text) {
            string(text);
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger || value instanceof BigDecimal || value instanceof Double || value instanceof Float) {
            ascii(value.toString()); // what Jackson writes for these too (BigDecimal.toString, Double.toString…)
        } else if (value instanceof List<?> items) {
            put((byte) '[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    put((byte) ',');
                }
                string(String.valueOf(items.get(i)));
            }
            put((byte) ']');
        } else {
            raw(JSON.valueToTree(value).toString().getBytes(StandardCharsets.UTF_8)); // none that Normalise gives now
        }
    }

    /** The item's bytes so far, closed. */
    byte[] end() {
        ascii("}}");
        return Arrays.copyOf(bytes, size);
    }

    /**
     * A JSON string as Jackson's UTF-8 generator writes it: quote, backslash and the controls escaped (\\n and the
     * like, else \\u00XX), a surrogate pair as two \\uXXXX (its default since 2.18), any other character in UTF-8.
     */
    private void string(String text) {
        ensure(text.length() * 6 + 2);
        bytes[size++] = '"';
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                bytes[size++] = (byte) c;
            } else if (c == '"' || c == '\\') {
                escape(c);
            } else if (c < 0x20) {
                int shortForm = SHORT_ESCAPES.indexOf(c);
                if (shortForm >= 0) {
                    escape(SHORT_ESCAPED.charAt(shortForm));
                } else {
                    hexEscape(c);
                }
            } else if (c < 0x800) {
                bytes[size++] = (byte) (0xc0 | c >> 6);
                bytes[size++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isSurrogate(c)) {
                hexEscape(c);
            } else {
                bytes[size++] = (byte) (0xe0 | c >> 12);
                bytes[size++] = (byte) (0x80 | c >> 6 & 0x3f);
                bytes[size++] = (byte) (0x80 | c & 0x3f);
            }
        }
        bytes[size++] = '"';
    }

    private static final String SHORT_ESCAPES = "\b\t\n\f\r";
    private static final String SHORT_ESCAPED = "btnfr";
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private void escape(char c) {
        bytes[size++] = '\\';
        bytes[size++] = (byte) c;
    }

    private void hexEscape(char c) {
        escape('u');
        for (int shift = 12; shift >= 0; shift -= 4) {
            bytes[size++] = HEX[c >> shift & 0xf];
        }
    }

    private void raw(byte[] more) {
        ensure(more.length);
        System.arraycopy(more, 0, bytes, size, more.length);
        size += more.length;
    }

    private void ascii(String text) {
        ensure(text.length());
        for (int i = 0; i < text.length(); i++) {
            bytes[size++] = (byte) text.charAt(i);
        }
    }

    private void put(byte b) {
        ensure(1);
        bytes[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
