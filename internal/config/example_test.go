package config

import (
	"fmt"
	"testing"
)

// The documented example must load and equal the defaults, so the docs stay true.
func TestExampleFileIsTheDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load("../../docs/config.example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.Kafka.TopicPrefix != d.Kafka.TopicPrefix || c.Kafka.Partitions != d.Kafka.Partitions ||
		c.ClickHouse.Database != d.ClickHouse.Database || c.Validation != d.Validation ||
		c.Metrics != d.Metrics || c.Kafka.DialTimeout != d.Kafka.DialTimeout ||
		fmt.Sprint(c.Pipeline) != fmt.Sprint(d.Pipeline) {
		t.Fatalf("example differs from defaults:\n%+v\n%+v", c, d)
	}
}
