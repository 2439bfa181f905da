package vigia_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/vigia-observatory/vigia/"

// goFiles parses every Go file of the module (tests included).
func goFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	out := map[string]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		out[path] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every Kafka connection goes through internal/kclient: no other package builds a kafka-go
// Reader, Writer, Dialer, Transport, Client or ConsumerGroup (or uses the package's shared
// defaults), so brokers, SASL and TLS are configured in one place.
func TestNoKafkaClientOutsideKclient(t *testing.T) {
	// Functions and shared defaults may not be used at all; the types may be named (a
	// parameter, a field) but not built with a composite literal.
	banned := map[string]bool{"NewReader": true, "NewWriter": true, "NewConsumerGroup": true, "Dial": true,
		"DialContext": true, "DialLeader": true, "DialPartition": true, "DefaultDialer": true,
		"DefaultTransport": true, "NewConnWith": true}
	types := map[string]bool{"Writer": true, "Reader": true, "Dialer": true, "Transport": true, "Client": true}
	for path, f := range goFiles(t) {
		if filepath.Dir(path) == filepath.Join("internal", "kclient") {
			continue
		}
		name := ""
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/segmentio/kafka-go" {
				name = "kafka"
				if imp.Name != nil {
					name = imp.Name.Name
				}
			}
		}
		if name == "" {
			continue
		}
		is := func(e ast.Expr, set map[string]bool) (string, bool) {
			sel, ok := e.(*ast.SelectorExpr)
			if !ok {
				return "", false
			}
			id, ok := sel.X.(*ast.Ident)
			return sel.Sel.Name, ok && id.Name == name && set[sel.Sel.Name]
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.CompositeLit); ok {
				if what, ok := is(lit.Type, types); ok {
					t.Errorf("%s: builds a %s.%s: build Kafka clients with internal/kclient", path, name, what)
				}
			}
			if e, ok := n.(ast.Expr); ok {
				if what, ok := is(e, banned); ok {
					t.Errorf("%s: uses %s.%s: build Kafka clients with internal/kclient", path, name, what)
				}
			}
			return true
		})
	}
}

// layer of a package directory: a package may import only its own layer or lower ones
// (stages -> libraries -> contract), never a higher one.
func layer(dir string) (int, bool) {
	switch {
	case dir == "schemas" || strings.HasPrefix(dir, "schemas/") || dir == "internal/wire" || strings.HasPrefix(dir, "data/"):
		return 0, true // the contract and reference data
	case strings.HasPrefix(dir, "lib/"), strings.HasPrefix(dir, "sinks/"), dir == "dashboards",
		dir == "internal/kclient", dir == "internal/stream", dir == "internal/topics", dir == "internal/dlq",
		dir == "internal/secrets", dir == "internal/metrics", dir == "internal/config", dir == "internal/retry",
		dir == "internal/access":
		return 1, true // libraries
	case strings.HasPrefix(dir, "processors/"):
		return 2, true // stages
	case dir == "internal/pipeline", strings.HasPrefix(dir, "producers/"):
		return 3, true // the runtime and the record producers
	case strings.HasPrefix(dir, "cmd/"), dir == "bench" || strings.HasPrefix(dir, "bench/"), dir == "internal/testenv", dir == ".":
		return 4, true // mains, benchmarks, test support
	}
	return 0, false
}

func TestImportsPointDown(t *testing.T) {
	for path, f := range goFiles(t) {
		if strings.HasSuffix(path, "_test.go") {
			continue // tests may use the test support of any layer
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		from, ok := layer(dir)
		if !ok {
			t.Errorf("%s: package %s has no layer in arch_test.go: add it to the import rule", path, dir)
			continue
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			to, ok := layer(strings.TrimPrefix(p, module))
			if ok && to > from {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must point from stages to libraries to the contract", path, from, p, to)
			}
		}
	}
}
