package io.edgesync.agent.sync;

import java.io.Closeable;
import java.nio.file.Path;

/** Opens sessions to one upstream. A session makes one attempt per call and never retries by itself. */
interface Uploader {

    Session open() throws UpstreamException;

    /** One logged-in connection; not thread-safe, used by one worker at a time. */
    interface Session extends Closeable {
        /**
         * Publishes {@code local} upstream at {@code relativePath} (under the upstream's base folder): upload
         * under a temporary name, verify the size, rename to the final name.
         *
         * @param tag unique per delivery; part of the temporary name
         */
        void upload(Path local, String relativePath, long size, String tag) throws UpstreamException;

        @Override
        void close();
    }
}
