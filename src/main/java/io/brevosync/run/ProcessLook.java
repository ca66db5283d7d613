package io.brevosync.run;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.brevosync.brevo.BrevoAnswers;

/**
 * One look at a run's import processes: pages of GET /v3/processes, newest first, until every import pending when
 * the look began was on one, so a look costs a call per 50 processes, not one per import (/v3/processes allows 100
 * calls an hour). The imports no page showed (Brevo lost them, or thousands of newer processes bury them) are then
 * looked up by id.
 */
public final class ProcessLook {

    /** Brevo's largest page of processes. */
    static final int PAGE = 50;
    /** Pages one look reads at most; what they did not reach is looked up by id. */
    static final int MAX_PAGES = 10;

    /** The run's imports pending when the look began: one accepted meanwhile is newer than the first page. */
    private final Set<Long> expected;
    private final Set<Long> seen = new HashSet<>();
    private int pages;
    private String path = path(0);
    private List<Long> unseen = List.of();

    ProcessLook(Set<Long> pending) {
        this.expected = Set.copyOf(pending);
    }

    /** The next page to read; null when the look has read its last. */
    public String getPath() {
        return path;
    }

    /** The expected imports still pending that no page showed: to be looked up by id. */
    public List<Long> getUnseen() {
        return unseen;
    }

    /** A page was read: the next is needed while it was full and an expected import is older than all it showed. */
    void read(List<BrevoAnswers.Process> page, Set<Long> stillPending) {
        pages++;
        long oldestShown = Long.MAX_VALUE;
        for (BrevoAnswers.Process process : page) {
            seen.add(process.id());
            oldestShown = Math.min(oldestShown, process.id());
        }
        List<Long> missing = expected.stream().filter(id -> stillPending.contains(id) && !seen.contains(id)).sorted().toList();
        if (page.size() == PAGE && pages < MAX_PAGES && !missing.isEmpty() && missing.get(0) < oldestShown) {
            path = path(pages * PAGE);
        } else {
            path = null;
            unseen = missing;
        }
    }

    /** Brevo did not answer: the look ends, and the next tries again. */
    void failed() {
        path = null;
        unseen = List.of();
    }

    private static String path(int offset) {
        return "/processes?limit=" + PAGE + "&offset=" + offset + "&sort=desc";
    }
}
