package io.shadowcast.rollout;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Thing names on disk, one a line, appended by one listing and read back a page
 * ({@link ThingSource#PAGE_SIZE} names) at a time, while it is still being written too: a reader asking
 * for a page that is not complete yet waits until it is, or until the file is finished. Only the byte
 * offset of each page stays in the heap, so a million names cost 32 KB of heap and about 20 MB of disk.
 *
 * <p>A {@link RandomAccessFile}, not a {@code FileChannel}: an interrupt (a rollout stopping while its
 * next page is read) would close a channel for every other reader of the same snapshot.
 */
final class NameFile {

    private final Path path;
    private final RandomAccessFile file;
    private final ByteBuffer pending = ByteBuffer.allocate(64 * 1024);
    /** Byte offset where each page starts; the entry after the last complete page is the end of the file. */
    private long[] pageStarts = new long[64];
    private long written;
    private int names;
    private boolean finished;
    private RuntimeException failure;

    private NameFile(Path path) throws IOException {
        this.path = path;
        this.file = new RandomAccessFile(Files.createFile(path).toFile(), "rw");
    }

    static NameFile create(Path directory, String name) {
        try {
            Files.createDirectories(directory);
            return new NameFile(directory.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory.resolve(name), e);
        }
    }

    synchronized void append(String name) {
        byte[] line = (name + "\n").getBytes(StandardCharsets.UTF_8);
        if (pending.remaining() < line.length) {
            flush();
        }
        pending.put(line);
        names++;
        if (names % ThingSource.PAGE_SIZE == 0) {
            // a complete page becomes readable at once
            flush();
            markPageEnd();
        }
    }

    /** No more names: the last, partial page becomes readable. */
    synchronized void finish() {
        flush();
        if (names % ThingSource.PAGE_SIZE != 0) {
            markPageEnd();
        }
        finished = true;
        notifyAll();
    }

    /** The listing behind the file failed: readers waiting for a page get this. */
    synchronized void fail(RuntimeException e) {
        failure = e;
        notifyAll();
    }

    synchronized int size() {
        return names;
    }

    synchronized int pages() {
        return completePages();
    }

    /**
     * The names of page {@code index}, waiting while it is being written; an empty list for the page after
     * the last one of a finished file.
     */
    synchronized List<String> awaitPage(int index) throws InterruptedException {
        while (index >= completePages() && !finished) {
            if (failure != null) {
                throw failure;
            }
            wait();
        }
        if (index >= completePages()) {
            return List.of();
        }
        return read(pageStarts[index], pageStarts[index + 1]);
    }

    /** True once {@code index} is the last page of a finished file (or after it). */
    synchronized boolean isLastPage(int index) {
        return finished && index + 1 >= completePages();
    }

    synchronized void delete() {
        try {
            file.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    private int completePages() {
        int pages = names / ThingSource.PAGE_SIZE;
        return finished && names % ThingSource.PAGE_SIZE != 0 ? pages + 1 : pages;
    }

    private void markPageEnd() {
        int page = (names + ThingSource.PAGE_SIZE - 1) / ThingSource.PAGE_SIZE;
        if (page + 1 > pageStarts.length) {
            pageStarts = Arrays.copyOf(pageStarts, pageStarts.length * 2);
        }
        pageStarts[page] = written;
        notifyAll();
    }

    private void flush() {
        pending.flip();
        try {
            file.seek(written);
            file.write(pending.array(), 0, pending.limit());
            written += pending.limit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        } finally {
            pending.clear();
        }
    }

    private List<String> read(long from, long to) {
        byte[] bytes = new byte[(int) (to - from)];
        try {
            file.seek(from);
            file.readFully(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        List<String> page = new ArrayList<>(ThingSource.PAGE_SIZE);
        int start = 0;
        for (int end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
            page.add(text.substring(start, end));
            start = end + 1;
        }
        return page;
    }
}
