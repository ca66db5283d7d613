package io.brevosync.access;

import java.nio.file.Files;
import java.nio.file.Path;

import io.brevosync.StartupFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data-privacy statement: shipped with its version, overridden by a file whose version is read the same way. */
class PrivacyStatementTest {

    @Test
    void the_shipped_statement_gives_its_version_in_its_first_lines() {
        PrivacyStatement statement = PrivacyStatement.load("", null);
        assertEquals("2026-12", statement.version());
        assertTrue(statement.text().startsWith("# Data-privacy statement for a Brevo connection\nVersion: 2026-12\n"), statement.text());
        assertTrue(statement.text().contains("Sendinblue SAS") && statement.text().contains("data processing agreement"), statement.text());
        assertEquals(statement, PrivacyStatement.load(" ", "2026-12"), "the former setting, where it says the same version, is fine");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Version: 2027-03", "**Version:** 2027-03", "<!-- version: 2027-03 -->", "  Version:2027-03  "})
    void a_file_overrides_it_with_its_own_version(String line, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("statement.md"), "# Our statement\n\n" + line + "\n\nWhat we send, and why.\n");
        PrivacyStatement statement = PrivacyStatement.load(file.toString(), null);
        assertEquals("2027-03", statement.version());
        assertTrue(statement.text().endsWith("What we send, and why.\n"));
        assertEquals(file.toAbsolutePath().toString(), statement.source());
    }

    @Test
    void a_statement_without_a_version_or_a_former_setting_that_differs_stops_the_start(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("statement.md"), "# Our statement\n" + "text\n".repeat(20) + "Version: 2027-03\n");
        StartupFailure none = assertThrows(StartupFailure.class, () -> PrivacyStatement.load(file.toString(), null));
        assertTrue(none.getMessage().contains("has no version: one of its first 10 lines must say 'Version: <version>'"), none.getMessage());
        StartupFailure missing = assertThrows(StartupFailure.class, () -> PrivacyStatement.load(dir.resolve("nope.md").toString(), null));
        assertTrue(missing.getMessage().startsWith("access.privacy-statement-file " + dir.resolve("nope.md") + " cannot be read"), missing.getMessage());
        StartupFailure former = assertThrows(StartupFailure.class, () -> PrivacyStatement.load("", "2027-01"));
        assertTrue(former.getMessage().startsWith("access.privacy-version is 2027-01 but the data-privacy statement (built-in privacy/statement.md) is "
                + "version 2026-12"), former.getMessage());
    }
}
