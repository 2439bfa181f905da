package testenv

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// QueryStrings runs sql and returns the column names and every cell as text: "" for NULL,
// times in RFC 3339 UTC. Tests compare dashboards' and reports' output with it.
func QueryStrings(conn driver.Conn, sql string) ([]string, [][]string, error) {
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols := rows.Columns()
	types := rows.ColumnTypes()
	var out [][]string
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(dest))
		for i, d := range dest {
			row[i] = cellText(d)
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}

func cellText(p any) string {
	v := reflect.ValueOf(p).Elem()
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v.Interface())
}
