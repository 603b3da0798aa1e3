package io.shadowcast.rollout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A staged rollout's plan (docs/rollout.md, "Staged waves"): the waves as cumulative shares of the
 * targets, the share of a wave's written things that must report the object applied before the next
 * wave starts, and how long a wave may take to get there.
 *
 * <p>Plan syntax: {@code waves} is a comma-separated list of cumulative sizes, each a percentage of the
 * targets ({@code 2%}) or a number of things ({@code 10}); they grow from wave to wave and the last is
 * {@code 100%}. {@code threshold} is a percentage ({@code 90%} or {@code 90}); {@code timeout} a duration
 * ({@code 30m}, {@code 2h}, {@code 1d}, {@code 45s} or ISO-8601 {@code PT30M}).
 *
 * <p>Membership: a thing's place in a rollout is the first 8 bytes of SHA-256({@code rolloutId/thing})
 * read as a fraction in [0, 1); wave k holds the things whose place lies in [bound(k-1), bound(k)). It
 * depends on the names alone, never on the listing order, and differs from rollout to rollout.
 *
 * @param bounds    the cumulative share of the targets after each wave, growing, the last 1
 * @param threshold the share of a wave's written things that must have applied, in (0, 1]
 * @param timeout   how long after its last write a wave may take to reach the threshold
 */
public record WavePlan(List<Double> bounds, double threshold, Duration timeout) {

    /** Every target in one wave: a plain rollout, which is not watched. */
    public static final WavePlan SINGLE = new WavePlan(List.of(1.0), 1.0, Duration.ZERO);

    static final int MAX_WAVES = 20;

    /** Which field of a plan is wrong. */
    public enum Field {
        WAVES, THRESHOLD, TIMEOUT
    }

    /** A plan that cannot be run; the message says why, {@link #field} which part. */
    public static final class InvalidPlan extends IllegalArgumentException {

        private final Field field;

        InvalidPlan(Field field, String message) {
            super(message);
            this.field = field;
        }

        public Field field() {
            return field;
        }
    }

    /** One size as written: a share of the targets, or a number of things that needs the target count. */
    private record Size(double percent, long things) {

        boolean isCount() {
            return things > 0;
        }

        double share(long targets) {
            return isCount() ? Math.min(1.0, (double) things / Math.max(1, targets)) : percent / 100;
        }
    }

    /** A plan as written, before counts are turned into shares of the targets. */
    public static final class Spec {

        private final List<Size> sizes;
        private final double threshold;
        private final Duration timeout;

        private Spec(List<Size> sizes, double threshold, Duration timeout) {
            this.sizes = sizes;
            this.threshold = threshold;
            this.timeout = timeout;
        }

        /** True when a wave is a number of things: the targets must be counted before the plan is known. */
        public boolean needsTargetCount() {
            return sizes.stream().anyMatch(Size::isCount);
        }

        /** The plan for this many targets; a wave that adds nothing after rounding is left out. */
        public WavePlan resolve(long targets) {
            List<Double> bounds = new ArrayList<>();
            for (Size size : sizes) {
                double share = size.share(targets);
                if (bounds.isEmpty() || share > bounds.get(bounds.size() - 1)) {
                    bounds.add(share);
                }
            }
            return new WavePlan(bounds, threshold, timeout);
        }
    }

    public WavePlan {
        bounds = List.copyOf(bounds);
    }

    /**
     * Reads a plan; {@code threshold} and {@code timeout} may be null (the defaults apply).
     *
     * @throws InvalidPlan naming the field that is wrong and why
     */
    public static Spec parse(String waves, String threshold, String timeout, double defaultThresholdPercent,
            Duration defaultTimeout) {
        List<Size> sizes = sizes(waves);
        double share = threshold == null || threshold.isBlank() ? defaultThresholdPercent / 100 : threshold(threshold);
        Duration limit = timeout == null || timeout.isBlank() ? defaultTimeout : duration(timeout);
        return new Spec(sizes, share, limit);
    }

    /** Reads back what {@link #encode()} wrote. */
    public static WavePlan decode(String saved) {
        String[] parts = saved.split(";");
        List<Double> bounds = new ArrayList<>();
        for (String bound : parts[0].split(",")) {
            bounds.add(Double.parseDouble(bound));
        }
        return new WavePlan(bounds, Double.parseDouble(parts[1]), Duration.parse(parts[2]));
    }

    /** The plan as the rollout record keeps it, exactly. */
    public String encode() {
        return String.join(",", bounds.stream().map(String::valueOf).toList()) + ";" + threshold + ";" + timeout;
    }

    /** The plan in words, as the API shows it: {@code 2%, 20%, 100%; next at 90% applied; wave timeout 30m}. */
    public String describe() {
        if (isSingle()) {
            return "one wave";
        }
        return String.join(", ", bounds.stream().map(b -> percent(b * 100) + "%").toList()) + "; next wave at "
                + percent(threshold * 100) + "% applied, wave timeout " + words(timeout);
    }

    public int waveCount() {
        return bounds.size();
    }

    /** True for one wave of every target: nothing is watched. */
    public boolean isSingle() {
        return bounds.size() == 1;
    }

    public boolean isLast(int wave) {
        return wave == bounds.size() - 1;
    }

    /** The wave (from 0) of this thing in this rollout. */
    public int waveOf(String rolloutId, String thing) {
        double place = place(rolloutId, thing);
        for (int wave = 0; wave < bounds.size() - 1; wave++) {
            if (place < bounds.get(wave)) {
                return wave;
            }
        }
        return bounds.size() - 1;
    }

    /** The thing's place in the rollout: the first 8 bytes of SHA-256(rolloutId/thing) as a fraction in [0, 1). */
    static double place(String rolloutId, String thing) {
        byte[] sha = sha256(rolloutId + "/" + thing);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (sha[i] & 0xff);
        }
        // the top 53 bits fill a double's mantissa exactly: the fraction is below 1 whatever the bytes
        return (bits >>> 11) * 0x1.0p-53;
    }

    private static List<Size> sizes(String waves) {
        if (waves == null || waves.isBlank()) {
            throw new InvalidPlan(Field.WAVES, "waves is empty: give cumulative sizes such as 2%,20%,100%");
        }
        String[] parts = waves.split(",");
        if (parts.length > MAX_WAVES) {
            throw new InvalidPlan(Field.WAVES, "waves '" + waves + "' has " + parts.length + " waves, at most "
                    + MAX_WAVES + " are allowed");
        }
        List<Size> sizes = new ArrayList<>();
        for (String part : parts) {
            Size size = size(part.strip(), waves);
            if (!sizes.isEmpty()) {
                Size before = sizes.get(sizes.size() - 1);
                boolean comparable = before.isCount() == size.isCount();
                boolean grows = size.isCount() ? size.things() > before.things() : size.percent() > before.percent();
                if (comparable && !grows) {
                    throw new InvalidPlan(Field.WAVES, "waves '" + waves + "': sizes are cumulative and must grow, "
                            + "but '" + part.strip() + "' does not");
                }
                if (!before.isCount() && size.isCount()) {
                    throw new InvalidPlan(Field.WAVES, "waves '" + waves + "': a number of things cannot follow a "
                            + "percentage ('" + part.strip() + "')");
                }
            }
            sizes.add(size);
        }
        Size last = sizes.get(sizes.size() - 1);
        if (last.isCount() || last.percent() != 100) {
            throw new InvalidPlan(Field.WAVES, "waves '" + waves + "': the last wave must be 100%");
        }
        return sizes;
    }

    private static Size size(String part, String waves) {
        try {
            if (part.endsWith("%")) {
                double percent = Double.parseDouble(part.substring(0, part.length() - 1).strip());
                if (percent > 0 && percent <= 100) {
                    return new Size(percent, 0);
                }
            } else if (part.matches("[0-9]{1,12}") && Long.parseLong(part) > 0) {
                return new Size(0, Long.parseLong(part));
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new InvalidPlan(Field.WAVES, "waves '" + waves + "': '" + part + "' is neither a percentage above 0 "
                + "and at most 100 (10%) nor a number of things (25)");
    }

    private static double threshold(String text) {
        String number = text.strip().endsWith("%") ? text.strip().substring(0, text.strip().length() - 1) : text.strip();
        try {
            double percent = Double.parseDouble(number.strip());
            if (percent > 0 && percent <= 100) {
                return percent / 100;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new InvalidPlan(Field.THRESHOLD, "threshold '" + text + "' is not a percentage above 0 and at most 100 "
                + "(90%)");
    }

    private static final Pattern SIMPLE_DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h|d)");

    private static Duration duration(String text) {
        String value = text.strip();
        Matcher simple = SIMPLE_DURATION.matcher(value);
        Duration parsed = null;
        if (simple.matches()) {
            long amount = Long.parseLong(simple.group(1));
            parsed = switch (simple.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else {
            try {
                parsed = Duration.parse(value);
            } catch (DateTimeParseException notIso) {
                // reported below
            }
        }
        if (parsed == null || parsed.isNegative() || parsed.isZero()) {
            throw new InvalidPlan(Field.TIMEOUT, "timeout '" + text + "' is not a positive duration (30m, 2h, 1d, "
                    + "45s or PT30M)");
        }
        return parsed;
    }

    private static String percent(double value) {
        String text = String.format(Locale.ROOT, "%.3f", value);
        return text.replaceAll("\\.?0+$", "");
    }

    /** A duration as people write it: 30m, 2h, 45s. */
    static String words(Duration duration) {
        if (duration.toMillis() % 86_400_000 == 0 && !duration.isZero()) {
            return duration.toDays() + "d";
        }
        if (duration.toMillis() % 3_600_000 == 0 && !duration.isZero()) {
            return duration.toHours() + "h";
        }
        if (duration.toMillis() % 60_000 == 0 && !duration.isZero()) {
            return duration.toMinutes() + "m";
        }
        if (duration.toMillis() % 1000 == 0) {
            return duration.toSeconds() + "s";
        }
        return duration.toMillis() + "ms";
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
