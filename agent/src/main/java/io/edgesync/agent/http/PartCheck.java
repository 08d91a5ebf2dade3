package io.edgesync.agent.http;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import java.util.Map;
import java.util.function.Supplier;

/**
 * One part's health check: a name, whether it counts for readiness or liveness, and a probe that returns
 * up/down with details. A probe that throws reports down with the error, never a 500.
 */
public final class PartCheck implements HealthCheck {
    private static final System.Logger LOG = System.getLogger(PartCheck.class.getName());

    /** What a probe found. */
    public record Result(boolean up, Map<String, Object> details) {
        public Result {
            details = Map.copyOf(details);
        }
    }

    private final String name;
    private final HealthCheckType type;
    private final Supplier<Result> probe;

    private PartCheck(String name, HealthCheckType type, Supplier<Result> probe) {
        this.name = name;
        this.type = type;
        this.probe = probe;
    }

    public static PartCheck readiness(String name, Supplier<Result> probe) {
        return new PartCheck(name, HealthCheckType.READINESS, probe);
    }

    public static PartCheck liveness(String name, Supplier<Result> probe) {
        return new PartCheck(name, HealthCheckType.LIVENESS, probe);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public HealthCheckType type() {
        return type;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder();
        try {
            Result result = probe.get();
            response.status(result.up());
            result.details().forEach(response::detail);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "health check " + name + " failed", e);
            response.status(false).detail("error", String.valueOf(e.getMessage()));
        }
        return response.build();
    }
}
