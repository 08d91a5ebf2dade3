package io.edgesync.agent.spool;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * The file names ({@code ftp.ignore}, e.g. {@code *.tmp}, {@code *.part}, {@code .*}) that devices use
 * for files still being written: stored like any upload, never delivered until renamed to a name outside
 * these patterns. Matched against the last path element only. Immutable.
 */
public final class IgnoredNames {
    private final List<PathMatcher> matchers;

    public IgnoredNames(List<String> globs) {
        this.matchers = globs.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    }

    public boolean ignored(String spoolPath) {
        Path name = Path.of(spoolPath).getFileName();
        return name != null && matchers.stream().anyMatch(m -> m.matches(name));
    }
}
