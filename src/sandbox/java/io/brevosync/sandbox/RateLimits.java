package io.brevosync.sandbox;

/**
 * Brevo's per-account rate limits: /v3/contacts/* has a per-second and a per-hour budget, every other endpoint a
 * per-hour budget. Fixed windows that open with their first request; a limit of 0 means unlimited.
 */
public final class RateLimits {

    /** What the x-sib-ratelimit-* headers say about the tightest window, and whether the request may pass. */
    public record Decision(boolean allowed, long limit, long remaining, long resetSeconds) {
    }

    private static final long UNLIMITED = 1_000_000;

    private final Window contactsSecond;
    private final Window contactsHour;
    private final Window otherHour;

    public RateLimits(int contactsPerSecond, int contactsPerHour, int otherPerHour) {
        contactsSecond = new Window(contactsPerSecond, 1_000);
        contactsHour = new Window(contactsPerHour, 3_600_000);
        otherHour = new Window(otherPerHour, 3_600_000);
    }

    /** Brevo's General plan (Free, Starter, Standard, Professional, Enterprise): 10 RPS and 36,000 RPH; others 100 RPH. */
    public static RateLimits general() {
        return new RateLimits(10, 36_000, 100);
    }

    /** The Advanced tier: 20 RPS and 72,000 RPH on contacts; others 200 RPH. */
    public static RateLimits advanced() {
        return new RateLimits(20, 72_000, 200);
    }

    public static RateLimits unlimited() {
        return new RateLimits(0, 0, 0);
    }

    /** "general", "advanced", "unlimited" or "RPS/RPH/OTHER_RPH", e.g. "10/36000/100". */
    public static RateLimits parse(String tier) {
        switch (tier.trim().toLowerCase()) {
            case "general":
                return general();
            case "advanced":
                return advanced();
            case "unlimited":
                return unlimited();
            default:
                String[] parts = tier.trim().split("/");
                if (parts.length != 3) {
                    throw new IllegalArgumentException("rate limit tier must be general, advanced, unlimited or RPS/RPH/OTHER_RPH: " + tier);
                }
                return new RateLimits(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        }
    }

    /** Counts one request against its bucket; a refused request is not counted. */
    public synchronized Decision acquire(boolean contactsEndpoint, long nowMillis) {
        if (!contactsEndpoint) {
            return otherHour.take(nowMillis);
        }
        Decision second = contactsSecond.peek(nowMillis);
        Decision hour = contactsHour.peek(nowMillis);
        Decision tightest = hour.remaining() < second.remaining() ? hour : second;
        if (tightest.remaining() <= 0) {
            return new Decision(false, tightest.limit(), 0, tightest.resetSeconds());
        }
        contactsSecond.take(nowMillis);
        contactsHour.take(nowMillis);
        return new Decision(true, tightest.limit(), tightest.remaining() - 1, tightest.resetSeconds());
    }

    private static final class Window {
        private final long limit;
        private final long lengthMillis;
        private long start;
        private long used;

        Window(long limit, long lengthMillis) {
            this.limit = limit <= 0 ? UNLIMITED : limit;
            this.lengthMillis = lengthMillis;
        }

        Decision peek(long now) {
            if (now - start >= lengthMillis) {
                // a window opens with its first request, so a burst is never split by a clock boundary
                start = now;
                used = 0;
            }
            long reset = Math.max(1, (start + lengthMillis - now + 999) / 1000);
            return new Decision(used < limit, limit, limit - used, reset);
        }

        Decision take(long now) {
            Decision d = peek(now);
            if (!d.allowed()) {
                return d;
            }
            used++;
            return new Decision(true, limit, limit - used, d.resetSeconds());
        }
    }
}
