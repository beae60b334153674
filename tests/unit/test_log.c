/* test_log.c - one log line per event: the level, the event's code in
 * brackets, the text on one line with resident IDs masked; a line without
 * a code has no brackets. */
#include "log.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What fn logs to stderr, read back from a temporary file (malloc'd). */
static char *captured(void (*fn)(void))
{
    char path[600];
    snprintf(path, sizeof path, "%s/log-XXXXXX", test_tmpdir());
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    static char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    buf[n > 0 ? n : 0] = 0;
    return strdup(buf);
}

static void log_reload_refused(void)
{
    log_event(LOG_ERROR, "reload.policy_refused", "policy reload refused: %s:%d:\n%s",
              "policies/x.lua", 3, "试图设置全局变量“x” 441602199001011234");
}

static void log_plain(void)
{
    log_msg(LOG_WARN, "%s", "no code here");
}

static void log_debug_dropped(void)
{
    log_event(LOG_DEBUG, "worker.started", "worker %d started", 1);
}

static void an_event_line_names_its_code_after_the_level(void)
{
    char *line = captured(log_reload_refused);
    CHECK(line != NULL);
    CHECK_STR_CONTAINS(line,
                       " error [reload.policy_refused] policy reload refused: policies/x.lua:3: ");
    CHECK_STR_CONTAINS(line, "试图设置全局变量“x”");
    CHECK(line && !strstr(line, "199001011234"));                 /* the ID is masked */
    CHECK(line && strchr(line, '\n') == line + strlen(line) - 1); /* one line */
    free(line);
}

static void a_line_without_a_code_has_no_brackets(void)
{
    char *line = captured(log_plain);
    CHECK_STR_CONTAINS(line, " warn no code here\n");
    CHECK(line && !strchr(line, '['));
    free(line);
}

static void lines_below_the_level_are_dropped(void)
{
    char *line = captured(log_debug_dropped);
    CHECK(line && line[0] == 0);
    free(line);
}

int main(void)
{
    RUN(an_event_line_names_its_code_after_the_level);
    RUN(a_line_without_a_code_has_no_brackets);
    RUN(lines_below_the_level_are_dropped);
    return test_done();
}
