package io.edgesync.agent.ledger;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A connection whose {@code prepareStatement} hands out statements compiled once and kept: sqlite-jdbc
 * compiles the SQL on every call, which was a third of the ledger's CPU in the sync loop (JFR CPU-time
 * samples: {@code NativeDB.prepare_utf8} 41 of 130 ledger samples). The statement's {@code close()} only
 * clears its parameters, so the ledger's code keeps its try-with-resources. The least recently used of
 * more than {@value #MAX} statements is closed for real. Not thread-safe: used under {@link Database}'s lock.
 */
final class StatementCache {
    static final int MAX = 64;

    private final Connection connection;
    private final Connection view;
    private final Map<String, PreparedStatement> statements = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= MAX) {
                return false;
            }
            closeQuietly(eldest.getValue());
            return true;
        }
    };

    StatementCache(Connection connection) {
        this.connection = connection;
        this.view = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement") && args.length <= 2
                            && (args.length == 1 || args[1] instanceof Integer)) {
                        return prepared((String) args[0], args.length == 1 ? -1 : (Integer) args[1]);
                    }
                    return invoke(method, connection, args);
                });
    }

    /** The connection to hand to the ledger's work. */
    Connection view() {
        return view;
    }

    private PreparedStatement prepared(String sql, int generatedKeys) throws SQLException {
        String key = generatedKeys < 0 ? sql : generatedKeys + "\0" + sql;
        PreparedStatement cached = statements.get(key);
        if (cached == null) {
            PreparedStatement real = generatedKeys < 0 ? connection.prepareStatement(sql)
                    : connection.prepareStatement(sql, generatedKeys);
            cached = (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                    new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close") && method.getParameterCount() == 0) {
                            real.clearParameters(); // back to the cache, compiled
                            return null;
                        }
                        return invoke(method, real, args);
                    });
            statements.put(key, cached);
        }
        return cached;
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Closes every kept statement (before the connection closes). */
    void close() {
        statements.values().forEach(StatementCache::closeQuietly);
        statements.clear();
    }

    private static void closeQuietly(PreparedStatement st) {
        try {
            st.unwrap(PreparedStatement.class).close();
        } catch (SQLException e) {
            // closing a statement of a closing connection
        }
    }
}
