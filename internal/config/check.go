package config

import (
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	topicPartRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)
	identRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

type badFunc func(key, format string, args ...any)

func checkAddrs(bad badFunc, key string, addrs []string) {
	if len(addrs) == 0 {
		bad(key, "must list at least one host:port")
	}
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			bad(key, "%q is not host:port", a)
		}
	}
}

func positive(bad badFunc, key string, v, min, max int) {
	if v < min || v > max {
		bad(key, "%d must be between %d and %d", v, min, max)
	}
}

func positiveDur(bad badFunc, key string, d time.Duration) {
	if d <= 0 {
		bad(key, "%s must be a positive duration such as 10s", d)
	}
}

// joinLines renders several problems one per line, indented under the heading.
func joinLines(errs []error) error {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Error()
	}
	return errors.New(strings.Join(parts, "\n  "))
}
