package io.shadowcast.converge;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which rollouts a device report counts for, among those that wrote its thing. A report names the
 * object, not the rollout, so it counts for the rollouts whose object it names:
 * <ul>
 * <li>a hash counts for every rollout of the thing with that hash (and that url, when the report gives
 * one): a report of an older upload's hash counts for that older rollout, never for a newer one;</li>
 * <li>an error without a hash counts for the newest rollout of the thing (the one the device was told
 * to apply), unless it names another url.</li>
 * </ul>
 */
final class ReportMatch {

    private ReportMatch() {
    }

    /** The status a report moves its matching things to. */
    static ThingStatus target(DeviceReport report) {
        return report.failed() ? ThingStatus.FAILED : ThingStatus.APPLIED;
    }

    /** The items (of one thing, one per rollout that wrote it) this report is about. */
    static List<ThingItem> matching(DeviceReport report, List<ThingItem> items) {
        if (report.hash() != null) {
            return items.stream()
                    .filter(item -> report.hash().equalsIgnoreCase(item.hash()))
                    .filter(item -> sameUrl(report, item))
                    .toList();
        }
        Optional<ThingItem> newest = items.stream().max(Comparator.comparing(ThingItem::writtenAt));
        return newest.filter(item -> sameUrl(report, item)).stream().toList();
    }

    /**
     * The rollouts a hash report supersedes on its thing: those that wrote it before the newest rollout whose
     * hash the device reports, and still wait for their own report. The device moved past their object.
     */
    static List<ThingItem> superseded(DeviceReport report, List<ThingItem> items, List<ThingItem> matching) {
        if (report.hash() == null || report.failed()) {
            return List.of();
        }
        Optional<ThingItem> reported = matching.stream().max(Comparator.comparing(ThingItem::writtenAt));
        return reported.map(newest -> items.stream()
                .filter(item -> item.status() == ThingStatus.WRITTEN)
                .filter(item -> newer(newest, item))
                .filter(item -> !report.hash().equalsIgnoreCase(item.hash()))
                .toList()).orElse(List.of());
    }

    /** Whether {@code item} was written by another rollout after {@code than} was. */
    static boolean newer(ThingItem item, ThingItem than) {
        return !item.rolloutId().equals(than.rolloutId()) && item.writtenAt().isAfter(than.writtenAt());
    }

    private static boolean sameUrl(DeviceReport report, ThingItem item) {
        return report.url() == null || item.url() == null || report.url().equals(item.url());
    }
}
