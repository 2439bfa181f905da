package stream

import (
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestPointBalancerAlignsAnonAndClean(t *testing.T) {
	t.Parallel()
	b := PointBalancer{}
	parts := []int{0, 1, 2, 3, 4, 5}
	for _, point := range []string{"hnd-agua-caliente", "pan-lajas-blancas", "usa-bp-el-paso", "x"} {
		clean := b.Balance(kafka.Message{Key: []byte(point)}, parts...)
		for _, fp := range []string{"/0011aabb", "/ffee", "/"} {
			if got := b.Balance(kafka.Message{Key: []byte(point + fp)}, parts...); got != clean {
				t.Errorf("%s%s -> %d, clean %s -> %d", point, fp, got, point, clean)
			}
		}
	}
}

func TestPartitionKey(t *testing.T) {
	t.Parallel()
	for n := 0; n < 6; n++ {
		if got := (PointBalancer{}).Balance(kafka.Message{Key: PartitionKey(n)}, 0, 1, 2, 3, 4, 5); got != n {
			t.Errorf("PartitionKey(%d) -> %d", n, got)
		}
	}
}
