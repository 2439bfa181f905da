package main

import (
	"github.com/vigia-observatory/vigia/internal/config"
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

func environ() map[string]string { return config.Environ() }
