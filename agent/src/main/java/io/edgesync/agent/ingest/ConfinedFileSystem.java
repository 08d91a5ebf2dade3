package io.edgesync.agent.ingest;

import org.apache.ftpserver.filesystem.nativefs.NativeFileSystemFactory;
import org.apache.ftpserver.ftplet.FileSystemFactory;
import org.apache.ftpserver.ftplet.FileSystemView;
import org.apache.ftpserver.ftplet.FtpException;
import org.apache.ftpserver.ftplet.FtpFile;
import org.apache.ftpserver.ftplet.User;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * FtpServer's native file system, confined for real: a path that leads outside the user's home once
 * symbolic links are followed (a link planted in the spool) does not exist for FTP commands: it is not
 * listed, cannot be entered, read, written, renamed or deleted. FtpServer's own view only normalizes
 * {@code ..} in the virtual path.
 */
final class ConfinedFileSystem implements FileSystemFactory {
    private final NativeFileSystemFactory delegate = new NativeFileSystemFactory();

    ConfinedFileSystem() {
        delegate.setCreateHome(true);
    }

    @Override
    public FileSystemView createFileSystemView(User user) throws FtpException {
        FileSystemView view = delegate.createFileSystemView(user);
        try {
            return new View(view, Path.of(user.getHomeDirectory()).toRealPath());
        } catch (IOException e) {
            throw new FtpException("home of " + user.getName() + " is not usable: " + e.getMessage(), e);
        }
    }

    private record View(FileSystemView view, Path home) implements FileSystemView {
        @Override
        public FtpFile getHomeDirectory() throws FtpException {
            return Confined.of(view.getHomeDirectory(), home);
        }

        @Override
        public FtpFile getWorkingDirectory() throws FtpException {
            return Confined.of(view.getWorkingDirectory(), home);
        }

        @Override
        public boolean changeWorkingDirectory(String dir) throws FtpException {
            FtpFile target = view.getFile(dir);
            return target != null && !Confined.of(target, home).escapes() && view.changeWorkingDirectory(dir);
        }

        @Override
        public FtpFile getFile(String file) throws FtpException {
            FtpFile f = view.getFile(file);
            return f == null ? null : Confined.of(f, home);
        }

        @Override
        public boolean isRandomAccessible() throws FtpException {
            return view.isRandomAccessible();
        }

        @Override
        public void dispose() {
            view.dispose();
        }
    }

    /**
     * One file seen through the confinement: if it leads outside the home, it is not there. Whether it does
     * is resolved once, when FtpServer hands out the file for one command (a listing asks each file half a
     * dozen questions).
     */
    private record Confined(FtpFile file, Path home, boolean escapes) implements FtpFile {
        static Confined of(FtpFile file, Path home) {
            return new Confined(file, home, leadsOutside(file, home));
        }

        /**
         * Whether the file leads outside the home: the file itself when it exists, a symbolic link's target
         * even when dangling, else the nearest folder above it that exists.
         */
        private static boolean leadsOutside(FtpFile file, Path home) {
            if (!(file.getPhysicalFile() instanceof File physical)) {
                return true;
            }
            try {
                return !real(physical.toPath().toAbsolutePath().normalize(), 0).startsWith(home);
            } catch (IOException e) {
                return true; // cannot tell: treat as outside
            }
        }

        /** Follows links as the OS would, giving up (as ELOOP does) after 40 of them. */
        private static Path real(Path path, int links) throws IOException {
            if (links > 40) {
                throw new IOException("too many levels of symbolic links: " + path);
            }
            if (Files.isSymbolicLink(path)) {
                Path target = real(path.getParent(), links).resolve(Files.readSymbolicLink(path)).normalize();
                return Files.exists(target) ? target.toRealPath() : real(target, links + 1);
            }
            if (Files.exists(path)) {
                return path.toRealPath();
            }
            Path parent = path.getParent();
            return parent == null ? path : real(parent, links).resolve(path.getFileName());
        }

        @Override
        public String getAbsolutePath() {
            return file.getAbsolutePath();
        }

        @Override
        public String getName() {
            return file.getName();
        }

        @Override
        public boolean isHidden() {
            return file.isHidden();
        }

        @Override
        public boolean isDirectory() {
            return !escapes() && file.isDirectory();
        }

        @Override
        public boolean isFile() {
            return !escapes() && file.isFile();
        }

        @Override
        public boolean doesExist() {
            return !escapes() && file.doesExist();
        }

        @Override
        public boolean isReadable() {
            return !escapes() && file.isReadable();
        }

        @Override
        public boolean isWritable() {
            return !escapes() && file.isWritable();
        }

        @Override
        public boolean isRemovable() {
            return !escapes() && file.isRemovable();
        }

        @Override
        public String getOwnerName() {
            return file.getOwnerName();
        }

        @Override
        public String getGroupName() {
            return file.getGroupName();
        }

        @Override
        public int getLinkCount() {
            return file.getLinkCount();
        }

        @Override
        public long getLastModified() {
            return escapes() ? 0 : file.getLastModified();
        }

        @Override
        public boolean setLastModified(long time) {
            return !escapes() && file.setLastModified(time);
        }

        @Override
        public long getSize() {
            return escapes() ? 0 : file.getSize();
        }

        @Override
        public Object getPhysicalFile() {
            return file.getPhysicalFile();
        }

        @Override
        public boolean mkdir() {
            return !escapes() && file.mkdir();
        }

        @Override
        public boolean delete() {
            return !escapes() && file.delete();
        }

        @Override
        public boolean move(FtpFile destination) {
            FtpFile target = destination instanceof Confined c ? c.file() : destination;
            return !escapes && !(destination instanceof Confined c && c.escapes()) && file.move(target);
        }

        @Override
        public List<? extends FtpFile> listFiles() {
            if (escapes()) {
                return List.of();
            }
            List<? extends FtpFile> children = file.listFiles();
            return children == null ? null
                    : children.stream().map(c -> Confined.of(c, home)).filter(c -> !c.escapes()).toList();
        }

        @Override
        public OutputStream createOutputStream(long offset) throws IOException {
            if (escapes()) {
                throw new IOException("outside the home: " + file.getAbsolutePath());
            }
            return file.createOutputStream(offset);
        }

        @Override
        public InputStream createInputStream(long offset) throws IOException {
            if (escapes()) {
                throw new IOException("outside the home: " + file.getAbsolutePath());
            }
            return file.createInputStream(offset);
        }
    }
}
