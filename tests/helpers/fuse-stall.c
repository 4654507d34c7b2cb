/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuse-stall MOUNTPOINT: a FUSE file system (spoken over /dev/fuse directly, no libfuse) with
 * one empty file, MOUNTPOINT/f, that never answers a FLUSH. The kernel sends FLUSH when a
 * process closes the file, and waits for the answer in uninterruptible sleep once a fatal
 * signal came (the request is "forced"): a process that opened f and closes it, or exits, is
 * stuck in D state, and SIGKILL does not end it, until this server answers or goes away. That
 * is how a test makes a real probe that cannot be killed. Prints "ready" once mounted and
 * "stalled" at the first FLUSH; runs until killed (its death aborts the connection and frees
 * the stuck process). Needs the right to mount FUSE (root, or a user namespace of one's own).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define ROOT_ID FUSE_ROOT_ID
#define FILE_ID 2

static int dev = -1;

static void reply(uint64_t unique, int error, const void *data, size_t size)
{
        struct fuse_out_header h = {
                .len = (uint32_t)(sizeof(h) + (error ? 0 : size)),
                .error = -error,
                .unique = unique,
        };
        struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)data, error ? 0 : size}};

        (void)!writev(dev, iov, error || size == 0 ? 1 : 2);
}

static void fill_attr(uint64_t id, struct fuse_attr *a)
{
        memset(a, 0, sizeof(*a));
        a->ino = id;
        a->mode = id == ROOT_ID ? (S_IFDIR | 0755) : (S_IFREG | 0644);
        a->nlink = id == ROOT_ID ? 2 : 1;
        a->blksize = 4096;
}

int main(int argc, char **argv)
{
        static char buf[FUSE_MIN_READ_BUFFER + 65536];
        char opts[128];

        if (argc != 2) {
                fprintf(stderr, "usage: %s MOUNTPOINT\n", argv[0]);
                return EXIT_FAILURE;
        }
        dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (dev < 0) {
                fprintf(stderr, "%s: /dev/fuse: %s\n", argv[0], strerror(errno));
                return EXIT_FAILURE;
        }
        snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,group_id=%u", dev,
                 (unsigned)getuid(), (unsigned)getgid());
        if (mount("fuse-stall", argv[1], "fuse.fuse-stall", MS_NOSUID | MS_NODEV, opts) < 0) {
                fprintf(stderr, "%s: mount %s: %s\n", argv[0], argv[1], strerror(errno));
                return EXIT_FAILURE;
        }
        printf("ready\n");
        fflush(stdout);

        for (;;) {
                ssize_t k = read(dev, buf, sizeof(buf));
                struct fuse_in_header *in = (struct fuse_in_header *)buf;
                void *arg = buf + sizeof(*in);

                if (k < 0) {
                        if (errno == EINTR || errno == ENOENT)
                                continue;
                        return errno == ENODEV ? EXIT_SUCCESS : EXIT_FAILURE;
                }
                if ((size_t)k < sizeof(*in))
                        continue;

                switch (in->opcode) {
                case FUSE_INIT: {
                        const struct fuse_init_in *i = arg;
                        struct fuse_init_out o = {
                                .major = FUSE_KERNEL_VERSION,
                                .minor = i->minor < FUSE_KERNEL_MINOR_VERSION
                                                 ? i->minor
                                                 : FUSE_KERNEL_MINOR_VERSION,
                                .max_readahead = i->max_readahead,
                                .max_write = 4096,
                        };
                        reply(in->unique, 0, &o, sizeof(o));
                        break;
                }
                case FUSE_LOOKUP: {
                        struct fuse_entry_out o = {};

                        if (in->nodeid != ROOT_ID || strcmp((const char *)arg, "f") != 0) {
                                reply(in->unique, ENOENT, NULL, 0);
                                break;
                        }
                        o.nodeid = FILE_ID;
                        fill_attr(FILE_ID, &o.attr);
                        reply(in->unique, 0, &o, sizeof(o));
                        break;
                }
                case FUSE_GETATTR: {
                        struct fuse_attr_out o = {};

                        fill_attr(in->nodeid, &o.attr);
                        reply(in->unique, 0, &o, sizeof(o));
                        break;
                }
                case FUSE_OPEN:
                case FUSE_OPENDIR: {
                        struct fuse_open_out o = {.fh = 1};

                        reply(in->unique, 0, &o, sizeof(o));
                        break;
                }
                case FUSE_FLUSH:
                        /* Never answered: the closing process waits. */
                        printf("stalled\n");
                        fflush(stdout);
                        break;
                case FUSE_INTERRUPT:
                case FUSE_FORGET:
                case FUSE_BATCH_FORGET:
                        break; /* no answer expected, and none given */
                case FUSE_RELEASE:
                case FUSE_RELEASEDIR:
                        reply(in->unique, 0, NULL, 0);
                        break;
                case FUSE_DESTROY:
                        reply(in->unique, 0, NULL, 0);
                        return EXIT_SUCCESS;
                default:
                        reply(in->unique, ENOSYS, NULL, 0);
                        break;
                }
        }
}
