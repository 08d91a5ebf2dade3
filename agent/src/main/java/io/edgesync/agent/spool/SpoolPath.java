package io.edgesync.agent.spool;

import java.nio.file.Path;

/**
 * Where an FTP path lands: the spool-relative name recorded in the ledger and the file on disk. Built
 * only by {@link #resolve}, which refuses anything that would leave the user's home.
 *
 * @param relative '/'-separated path under the spool, e.g. {@code cam1/2026/a.jpg}
 */
public record SpoolPath(String relative, Path file) {

    /**
     * Maps the virtual path FtpServer resolved for a user ({@code /2026/a.jpg}, rooted at the user's home)
     * to the spool.
     *
     * @param home the user's home, relative to the spool ({@code cam1})
     * @throws IllegalArgumentException when the path is empty, names the home itself, or would escape it
     */
    public static SpoolPath resolve(Path spool, String home, String virtualPath) {
        if (virtualPath == null || virtualPath.indexOf('\0') >= 0 || virtualPath.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("unusable path: " + virtualPath);
        }
        StringBuilder relative = new StringBuilder(home.replaceAll("/+$", ""));
        for (String segment : virtualPath.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                throw new IllegalArgumentException("path leaves the home folder: " + virtualPath);
            }
            relative.append('/').append(segment);
        }
        if (relative.length() == home.replaceAll("/+$", "").length()) {
            throw new IllegalArgumentException("path names the home folder itself: " + virtualPath);
        }
        Path root = spool.toAbsolutePath().normalize();
        Path homeDir = root.resolve(home).normalize();
        Path file = root.resolve(relative.toString()).normalize();
        if (!file.startsWith(homeDir) || file.equals(homeDir)) {
            throw new IllegalArgumentException("path leaves the home folder: " + virtualPath);
        }
        return new SpoolPath(relative.toString(), file);
    }
}
