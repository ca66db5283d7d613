package io.brevosync.access;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.brevosync.StartupFailure;

/**
 * The data-privacy statement an admin agrees to before a connection's exports run: the text shipped with the product
 * (privacy/statement.md), or the file access.privacy-statement-file names. Its version is its own, on a "Version:"
 * line among its first lines, so the text and the version an admin agrees to cannot drift apart; a new version asks
 * every connection for a new consent.
 *
 * @param source where the text comes from, for the log
 */
public record PrivacyStatement(String version, String text, String source) {

    static final String BUILT_IN = "privacy/statement.md";
    /** The version is looked for in this many first lines. */
    private static final int HEAD_LINES = 10;
    private static final Pattern VERSION = Pattern.compile("^\\W*Version:\\W*([A-Za-z0-9][A-Za-z0-9._-]{0,31})\\W*$", Pattern.CASE_INSENSITIVE);

    /**
     * The statement in force: the file, where one is set, else the built-in text.
     *
     * @param file access.privacy-statement-file (empty: the built-in text)
     * @param formerVersion access.privacy-version, a setting of earlier versions: where it is still set, it must be the
     *     statement's own version, so an admin who raised it to ask for new consents is told it is no longer how
     */
    public static PrivacyStatement load(String file, String formerVersion) {
        PrivacyStatement statement = file == null || file.isBlank() ? builtIn() : fromFile(Path.of(file.trim()));
        if (formerVersion != null && !formerVersion.isBlank() && !formerVersion.trim().equals(statement.version())) {
            throw new StartupFailure("access.privacy-version is " + formerVersion.trim() + " but the data-privacy statement (" + statement.source()
                    + ") is version " + statement.version() + ": the version is the statement's own 'Version:' line now; remove the setting, "
                    + "and set access.privacy-statement-file to a statement of a new version to ask for new consents");
        }
        return statement;
    }

    /** The text, with its version read from its first lines. */
    static PrivacyStatement parse(String text, String source) {
        String[] lines = text.split("\\R", HEAD_LINES + 1);
        for (int i = 0; i < Math.min(lines.length, HEAD_LINES); i++) {
            Matcher m = VERSION.matcher(lines[i].trim());
            if (m.matches()) {
                return new PrivacyStatement(m.group(1), text, source);
            }
        }
        throw new StartupFailure("The data-privacy statement " + source + " has no version: one of its first " + HEAD_LINES
                + " lines must say 'Version: <version>' (e.g. Version: 2027-03)");
    }

    private static PrivacyStatement builtIn() {
        try (InputStream in = PrivacyStatement.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new StartupFailure("The built-in data-privacy statement " + BUILT_IN + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + BUILT_IN);
        } catch (IOException e) {
            throw new StartupFailure("The built-in data-privacy statement cannot be read: " + e.getMessage(), e);
        }
    }

    private static PrivacyStatement fromFile(Path file) {
        try {
            return parse(Files.readString(file), file.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new StartupFailure("access.privacy-statement-file " + file + " cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "): fix the path or leave the setting empty for the built-in statement", e);
        }
    }
}
