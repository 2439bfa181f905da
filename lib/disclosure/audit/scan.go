package audit

import (
	"fmt"
	"reflect"
	"time"
)

func newTarget(t reflect.Type) any { return reflect.New(t).Interface() }

// text is a scanned cell as text: "" for NULL.
func text(p any) string {
	v := reflect.ValueOf(p).Elem()
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case float32, float64:
		return fmt.Sprintf("%g", x)
	default:
		return fmt.Sprint(x)
	}
}
