package benchmark;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.orderevents.App;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The application as the benchmark starts it, in a JVM of its own: {@link App#main} unchanged, plus a report of the
 * heap's peak on standard output ({@code BENCH-HEAP <bytes>} each time it grows by 1 MB or more), and of the heap
 * used after each garbage collection ({@code BENCH-GC <bytes>}); with {@code -Dbench.full-gc-seconds=N}, every N seconds a
 * full collection and the heap used after it ({@code BENCH-LIVE <bytes>}).
 * <p>
 * The peak is taken from each garbage collection's "before" figures (the heap is fullest just before a collection),
 * so it is exact, not sampled; the current usage at the time of each notification covers a peak with no collection
 * behind it.
 */
public final class BenchApp {

    private static final AtomicLong PEAK = new AtomicLong();
    private static final AtomicLong REPORTED = new AtomicLong();

    private BenchApp() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
                            .from((CompositeData) notification.getUserData());
                    peak(used(info.getGcInfo().getMemoryUsageBeforeGc(), heapPools));
                    // what survived the collection: the floor of the heap, which grows only if something is kept
                    System.out.println("BENCH-GC " + used(info.getGcInfo().getMemoryUsageAfterGc(), heapPools));
                }
            }, null, null);
        }
        long fullGcSeconds = Long.getLong("bench.full-gc-seconds", 0);
        if (fullGcSeconds > 0) {
            ScheduledExecutorService readings = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "bench-live-heap");
                thread.setDaemon(true);
                return thread;
            });
            readings.scheduleAtFixedRate(BenchApp::liveHeap, fullGcSeconds, fullGcSeconds, TimeUnit.SECONDS);
        }
        App.main(args);
    }

    /** A full collection (G1 runs System.gc() as one), then the heap still used: what the application keeps alive. */
    private static void liveHeap() {
        System.gc();
        System.out.println("BENCH-LIVE " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    private static long used(Map<String, MemoryUsage> pools, Set<String> heapPools) {
        return pools.entrySet().stream().filter(e -> heapPools.contains(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
    }

    private static void peak(long used) {
        long peak = PEAK.accumulateAndGet(Math.max(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()), Math::max);
        long reported = REPORTED.get();
        if (peak - reported >= (1 << 20) && REPORTED.compareAndSet(reported, peak)) {
            System.out.println("BENCH-HEAP " + peak);
        }
    }
}
