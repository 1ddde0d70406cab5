// Runs the local Neo4j of coverage-graph (Community, embedded, Bolt only) until SIGTERM/SIGINT.
// Started by src/neo4j/local.ts as `java -cp <classpath> scripts/neo4j/Launcher.java`; see README.md.

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;

public class Launcher {
    /** Printed to stdout once Bolt accepts connections; local.ts waits for it. */
    static final String READY = "coverage-graph neo4j ready";

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(String[] args) throws InterruptedException {
        Path home = Path.of(option(args, "home", "NEO4J_HOME", ".neo4j")).toAbsolutePath();
        String host = option(args, "host", "NEO4J_BOLT_HOST", "127.0.0.1");
        int port = Integer.parseInt(option(args, "port", "NEO4J_BOLT_PORT", "7687"));
        String pageCache = option(args, "pagecache", "NEO4J_PAGECACHE", "512m");
        boolean auth = !option(args, "auth", "NEO4J_AUTH_ENABLED", "true").toLowerCase(Locale.ROOT)
                .matches("0|false|no|off");
        String password = env("NEO4J_PASSWORD", "coverage-graph");

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.data_directory, home.resolve("data"))
                .setConfig(GraphDatabaseSettings.logs_directory, home.resolve("logs"))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.pagecache_memory, SettingValueParsers.BYTES.parse(pageCache))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, SettingValueParsers.BYTES.parse("64m"))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 1)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("coverage-graph neo4j shutting down");
            dbms.shutdown();
            System.out.println("coverage-graph neo4j stopped");
            stopped.countDown();
        }, "neo4j-shutdown"));

        if (auth) System.out.println(setPassword(dbms, password));
        waitForBolt(host, port, Duration.ofSeconds(60));
        System.out.println(READY + " on bolt://" + host + ":" + port + " (auth " + (auth ? "on" : "off") + ", home " + home + ")");
        stopped.await();
    }

    /** Makes `neo4j` log in with `password`, no change required; a no-op when it already does. */
    static String setPassword(DatabaseManagementService dbms, String password) {
        var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            return "password of neo4j set";
        } catch (QueryExecutionException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("cannot be the same")) throw e;
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            return "password of neo4j unchanged";
        }
    }

    static void waitForBolt(String host, int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String target = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(target, port), 1000);
                return;
            } catch (java.io.IOException e) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("Bolt did not open port " + port, e);
                Thread.sleep(200);
            }
        }
    }

    /** `--name=value` from the command line, else the environment variable, else the fallback. */
    static String option(String[] args, String name, String envName, String fallback) {
        for (String arg : args) {
            if (arg.startsWith("--" + name + "=")) return arg.substring(name.length() + 3);
        }
        return env(envName, fallback);
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}
