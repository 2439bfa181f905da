package main

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/vigia-observatory/vigia/internal/config"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// globals are the root flags shared by subcommands.
type globals struct {
	configPath string
}

// config loads and validates the configuration; its error says what to fix.
func (g *globals) config() (config.Config, error) {
	cfg, err := config.Load(g.configPath, environ())
	if err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// clickhouse loads the configuration and connects to ClickHouse: as the migration user
// (vigia_migrate where make services made the users) when migrate is set, for DDL; the caller
// closes the connection.
func (g *globals) clickhouse(ctx context.Context, migrate bool) (config.Config, driver.Conn, error) {
	cfg, err := g.config()
	if err != nil {
		return cfg, nil, err
	}
	ch := cfg.ClickHouse
	if migrate {
		ch = ch.ForMigrations()
	}
	conn, err := chsink.Open(ctx, ch)
	return cfg, conn, err
}

func environ() map[string]string { return config.Environ() }
