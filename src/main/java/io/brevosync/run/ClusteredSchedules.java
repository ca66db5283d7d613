package io.brevosync.run;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;

/** Where the exports' schedules live: Quartz's clustered job store in the server's schema. */
public final class ClusteredSchedules {

    private ClusteredSchedules() {
    }

    /**
     * Puts the exports' schedules in Quartz's clustered JDBC job store, in the database (tables of V10): every server
     * on the database is a node of one scheduler, so each fire runs on one node, and a node that dies has its fires
     * taken over.
     */
    public static void install(CamelContext context, Function<String, String> setting, String node) {
        Map<String, Object> quartz = new HashMap<>();
        quartz.put("org.quartz.scheduler.instanceName", "brevo-segment-sync");
        quartz.put("org.quartz.scheduler.instanceId", node);
        quartz.put("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        quartz.put("org.quartz.threadPool.threadCount", setting.apply("scheduler.threads"));
        quartz.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        quartz.put("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        quartz.put("org.quartz.jobStore.isClustered", "true");
        quartz.put("org.quartz.jobStore.clusterCheckinInterval", setting.apply("scheduler.checkin-period"));
        quartz.put("org.quartz.jobStore.misfireThreshold", setting.apply("scheduler.misfire-threshold"));
        quartz.put("org.quartz.jobStore.dataSource", "db");
        // its own connections, which do not look in the server's schema first: its tables are named with it
        quartz.put("org.quartz.jobStore.tablePrefix", setting.apply("db.schema") + ".qrtz_");
        quartz.put("org.quartz.dataSource.db.provider", "hikaricp");
        quartz.put("org.quartz.dataSource.db.driver", "org.postgresql.Driver");
        quartz.put("org.quartz.dataSource.db.URL", setting.apply("db.url"));
        quartz.put("org.quartz.dataSource.db.user", setting.apply("db.user"));
        quartz.put("org.quartz.dataSource.db.password", setting.apply("db.password"));
        quartz.put("org.quartz.dataSource.db.maxConnections", "3");
        QuartzComponent component = context.getComponent("quartz", QuartzComponent.class);
        component.setPrefixInstanceName(false);
        component.setProperties(quartz);
    }
}
