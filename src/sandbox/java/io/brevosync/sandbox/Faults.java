package io.brevosync.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fault switches for resilience tests. Rates are fractions (0..1) drawn per /v3 request with a seeded random, so a run
 * can be repeated; the "next" counters fail exactly that many requests, for tests that must be deterministic.
 */
public final class Faults {

    /** What to do with one request instead of answering it normally. */
    public enum Action { NONE, TOO_MANY_REQUESTS, SERVER_ERROR, UNAVAILABLE, DROP }

    private volatile double rate429;
    private volatile double rate500;
    private volatile double rate503;
    private volatile double dropRate;
    private volatile double failImportRate;
    private volatile long latencyMs;
    private volatile long importDelayMs;
    private final AtomicInteger next429 = new AtomicInteger();
    private final AtomicInteger next500 = new AtomicInteger();
    private final AtomicInteger next503 = new AtomicInteger();
    private final AtomicInteger nextDrops = new AtomicInteger();
    private final AtomicInteger nextFailedImports = new AtomicInteger();
    private final AtomicInteger nextRefusedUnlinks = new AtomicInteger();
    private final Set<String> rejectEmails = ConcurrentHashMap.newKeySet();
    private final Set<String> badRows = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextSlow = new AtomicInteger();
    private volatile long slowMs;
    private volatile boolean refuseTakenSms;
    private volatile String failedImportStatus = "failed";
    private volatile boolean mergeIdentifiers;
    private final Random random = new Random(42);

    /** Decides the fate of one /v3 request; counters go before rates. */
    public Action draw() {
        if (takeOne(nextDrops)) {
            return Action.DROP;
        }
        if (takeOne(next429)) {
            return Action.TOO_MANY_REQUESTS;
        }
        if (takeOne(next500)) {
            return Action.SERVER_ERROR;
        }
        if (takeOne(next503)) {
            return Action.UNAVAILABLE;
        }
        double r = nextDouble();
        if ((r -= dropRate) < 0) {
            return Action.DROP;
        }
        if ((r -= rate429) < 0) {
            return Action.TOO_MANY_REQUESTS;
        }
        if ((r -= rate500) < 0) {
            return Action.SERVER_ERROR;
        }
        return r - rate503 < 0 ? Action.UNAVAILABLE : Action.NONE;
    }

    /** A list remove refused with a 403, as a key without the permission would be. */
    boolean refuseUnlink() {
        return takeOne(nextRefusedUnlinks);
    }

    public Faults refuseNextUnlinks(int count) {
        nextRefusedUnlinks.set(count);
        return this;
    }

    /** The status a failing import ends with (failedImportStatus: failed, cancelled, or one Brevo does not document), or null. */
    String failImport() {
        return takeOne(nextFailedImports) || nextDouble() < failImportRate ? failedImportStatus : null;
    }

    /**
     * Not a fault but a model of Brevo that is not confirmed for the API: true, an imported row whose email is one
     * contact's and whose SMS is another's merges them (the SMS holder is deleted); false (default), the number is
     * left out and reported as duplicate_phone_id.
     */
    public Faults mergeIdentifiers(boolean value) {
        mergeIdentifiers = value;
        return this;
    }

    boolean mergesIdentifiers() {
        return mergeIdentifiers;
    }

    /** The next failing imports end with this status instead of failed. */
    public Faults failedImportStatus(String status) {
        failedImportStatus = status;
        return this;
    }

    /** The first address of an import that makes Brevo refuse the whole request with a 400, or null. */
    String badRowIn(Iterable<String> emails) {
        if (!badRows.isEmpty()) {
            for (String email : emails) {
                if (email != null && badRows.contains(email.trim().toLowerCase())) {
                    return email;
                }
            }
        }
        return null;
    }

    /** The delay before answering this request: slowNext's, else latencyMs. */
    long latency() {
        return takeOne(nextSlow) ? slowMs : latencyMs;
    }

    boolean rejects(String email) {
        return !rejectEmails.isEmpty() && rejectEmails.contains(email);
    }

    public long latencyMs() {
        return latencyMs;
    }

    /** How long each import stays in "processing", to watch the lifecycle or make runs slow. */
    public long importDelayMs() {
        return importDelayMs;
    }

    public Faults importDelayMs(long value) {
        importDelayMs = value;
        return this;
    }

    public Faults latencyMs(long value) {
        latencyMs = value;
        return this;
    }

    public Faults failNext(int status, int count) {
        (status == 429 ? next429 : status == 503 ? next503 : next500).set(count);
        return this;
    }

    public Faults dropNext(int count) {
        nextDrops.set(count);
        return this;
    }

    public Faults failNextImports(int count) {
        nextFailedImports.set(count);
        return this;
    }

    /** An import holding this address is refused with 400 invalid_parameter, as a whole. */
    public Faults badRow(String email) {
        badRows.add(email.trim().toLowerCase());
        return this;
    }

    /**
     * True: an import carrying an SMS number another contact has is refused as a whole with Brevo's 400
     * duplicate_parameter and metadata.duplicate_identifiers ["SMS"] (the answer of POST /v3/contacts), instead of
     * importing the row without the number and counting it.
     */
    public Faults refuseTakenSms(boolean value) {
        refuseTakenSms = value;
        return this;
    }

    boolean refusesTakenSms() {
        return refuseTakenSms;
    }

    /** The next requests answer only after the given delay (e.g. past the client's timeout). */
    public Faults slowNext(int count, long millis) {
        slowMs = millis;
        nextSlow.set(count);
        return this;
    }

    public Faults rejectEmail(String email) {
        rejectEmails.add(email.trim().toLowerCase());
        return this;
    }

    public Faults rates(double tooManyRequests, double serverError, double unavailable, double drop) {
        rate429 = tooManyRequests;
        rate500 = serverError;
        rate503 = unavailable;
        dropRate = drop;
        return this;
    }

    public Faults failImportRate(double value) {
        failImportRate = value;
        return this;
    }

    public void clear() {
        rates(0, 0, 0, 0);
        failImportRate = 0;
        latencyMs = 0;
        importDelayMs = 0;
        for (AtomicInteger counter : new AtomicInteger[] {next429, next500, next503, nextDrops, nextFailedImports, nextRefusedUnlinks, nextSlow}) {
            counter.set(0);
        }
        rejectEmails.clear();
        badRows.clear();
        refuseTakenSms = false;
        failedImportStatus = "failed";
        mergeIdentifiers = false;
    }

    /** Applies the fields present in an admin PUT body; absent fields keep their value. */
    public void update(JsonNode json) {
        rates(json.path("rate429").asDouble(rate429), json.path("rate500").asDouble(rate500),
                json.path("rate503").asDouble(rate503), json.path("dropRate").asDouble(dropRate));
        failImportRate = json.path("failImportRate").asDouble(failImportRate);
        latencyMs = json.path("latencyMs").asLong(latencyMs);
        importDelayMs = json.path("importDelayMs").asLong(importDelayMs);
        next429.set(json.path("next429").asInt(next429.get()));
        next500.set(json.path("next500").asInt(next500.get()));
        next503.set(json.path("next503").asInt(next503.get()));
        nextDrops.set(json.path("nextDrops").asInt(nextDrops.get()));
        nextFailedImports.set(json.path("nextFailedImports").asInt(nextFailedImports.get()));
        nextRefusedUnlinks.set(json.path("nextRefusedUnlinks").asInt(nextRefusedUnlinks.get()));
        json.path("rejectEmails").forEach(e -> rejectEmail(e.asText()));
        json.path("badRows").forEach(e -> badRow(e.asText()));
        refuseTakenSms = json.path("refuseTakenSms").asBoolean(refuseTakenSms);
        failedImportStatus = json.path("failedImportStatus").asText(failedImportStatus);
        mergeIdentifiers = json.path("mergeIdentifiers").asBoolean(mergeIdentifiers);
        if (json.has("slowNext")) {
            slowNext(json.path("slowNext").asInt(), json.path("slowMs").asLong(slowMs));
        }
        for (double rate : new double[] {rate429, rate500, rate503, dropRate, failImportRate}) {
            if (rate < 0 || rate > 1) {
                throw new IllegalArgumentException("fault rates are fractions between 0 and 1, got " + rate);
            }
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("refuseTakenSms", refuseTakenSms);
        json.put("failedImportStatus", failedImportStatus);
        json.put("mergeIdentifiers", mergeIdentifiers);
        json.put("rate429", rate429);
        json.put("rate500", rate500);
        json.put("rate503", rate503);
        json.put("dropRate", dropRate);
        json.put("failImportRate", failImportRate);
        json.put("latencyMs", latencyMs);
        json.put("importDelayMs", importDelayMs);
        json.put("next429", next429.get());
        json.put("next500", next500.get());
        json.put("next503", next503.get());
        json.put("nextDrops", nextDrops.get());
        json.put("nextFailedImports", nextFailedImports.get());
        json.put("nextRefusedUnlinks", nextRefusedUnlinks.get());
        json.put("rejectEmails", rejectEmails);
        json.put("badRows", badRows);
        json.put("slowNext", nextSlow.get());
        json.put("slowMs", slowMs);
        return json;
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    private synchronized double nextDouble() {
        return random.nextDouble();
    }
}
