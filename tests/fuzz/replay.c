/* SPDX-License-Identifier: GPL-2.0-or-later
 * Runs a fuzz harness over files and folders of inputs, so that the harnesses build
 * and run without libFuzzer (ctest replays the committed corpus with it). */
#define _DEFAULT_SOURCE /* scandir, alphasort */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, count = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            /* in name order: fuzz_dissect's inputs share a session, and a batch it saved
             * (WS_FUZZ_BATCH_DIR) replays in the order it ran */
            struct dirent **names;
            int n = scandir(argv[i], &names, NULL, alphasort);
            for (int j = 0; j < n; j++) {
                char path[4096];
                if (names[j]->d_name[0] != '.') {
                    snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
                    if (run_file(path) == 0)
                        count++;
                }
                free(names[j]);
            }
            if (n >= 0)
                free(names);
        } else if (run_file(argv[i]) == 0) {
            count++;
        }
    }
    printf("%d inputs replayed\n", count);
    return count > 0 ? 0 : 1;
}
