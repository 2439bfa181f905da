package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bulletin-like page: text and two inline charts.
const cleanPage = `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Boletín de prueba</title>
<style>body { font-family: sans-serif; background: #f4f1ea; }</style></head>
<body>
<h1>Boletín de prueba</h1>
<p>Retornos registrados en el mes: 1234</p>
<svg id="trend" class="chart line" data-series-count="3" width="300" height="120" viewBox="0 0 300 120">
  <path d="M0 100 L100 50 L200 70 L300 20" stroke="#1b5e20" fill="none"/>
  <path d="M0 110 L100 90 L200 95 L300 60" stroke="#0d47a1" fill="none"/>
  <path d="M0 115 L100 112 L200 100 L300 98" stroke="#b71c1c" fill="none"/>
  <text x="4" y="14">Tendencia</text>
</svg>
<svg id="dots" class="chart" width="100" height="50">
  <circle cx="20" cy="25" r="8" fill="#e65100"/>
  <circle cx="60" cy="25" r="8" fill="#4a148c"/>
</svg>
</body></html>
`

// The same kind of page with the three kinds of errors Render reports: a console.error, an
// uncaught exception and (in the browser log) a resource that failed to load.
const brokenPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>Roto</title></head>
<body>
<p>Segunda página</p>
<img src="missing-chart.png" alt="">
<script>console.error("boom");</script>
<script>throw new Error("kaboom");</script>
</body></html>
`

func writePage(t *testing.T, name, html string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkOutputs(t *testing.T, path string, p Page) {
	t.Helper()
	if !bytes.HasPrefix(p.PNG, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("PNG does not start with the PNG signature: % x", p.PNG[:min(len(p.PNG), 8)])
	}
	if !bytes.HasPrefix(p.PDF, []byte("%PDF")) {
		t.Errorf("PDF does not start with %%PDF: %q", p.PDF[:min(len(p.PDF), 8)])
	}
	base := strings.TrimSuffix(path, ".html")
	for ext, want := range map[string][]byte{".png": p.PNG, ".pdf": p.PDF} {
		got, err := os.ReadFile(base + ext)
		if err != nil {
			t.Errorf("not written beside the HTML: %v", err)
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s%s differs from the returned bytes", base, ext)
		}
	}
}

func TestBrowserRender(t *testing.T) {
	Browser(t) // once, before the parallel subtests
	t.Run("clean", func(t *testing.T) {
		t.Parallel()
		path := writePage(t, "bulletin.html", cleanPage)
		p := Render(t, path)
		if len(p.ConsoleErrors) != 0 {
			t.Errorf("console errors on a clean page: %q", p.ConsoleErrors)
		}
		for _, s := range []string{"Boletín de prueba", "Retornos registrados en el mes: 1234", "Tendencia"} {
			if !strings.Contains(p.Text, s) {
				t.Errorf("text lacks %q: %q", s, p.Text)
			}
		}
		if len(p.SVGs) != 2 {
			t.Fatalf("svgs: %+v, want 2", p.SVGs)
		}
		want := []SVG{
			{ID: "trend", Class: "chart line", Paths: 3, Texts: 1, Series: "3", Width: 300, Height: 120},
			{ID: "dots", Class: "chart", Circles: 2, Width: 100, Height: 50},
		}
		for i, w := range want {
			if p.SVGs[i] != w {
				t.Errorf("svg %d: %+v, want %+v", i, p.SVGs[i], w)
			}
		}
		checkOutputs(t, path, p)
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		path := writePage(t, "broken.html", brokenPage)
		p := Render(t, path)
		if !strings.Contains(p.Text, "Segunda página") {
			t.Errorf("text: %q", p.Text)
		}
		if len(p.SVGs) != 0 {
			t.Errorf("svgs: %+v, want none", p.SVGs)
		}
		all := strings.Join(p.ConsoleErrors, "\n")
		for _, s := range []string{"console.error: boom", "exception: Uncaught Error: kaboom", "missing-chart.png"} {
			if !strings.Contains(all, s) {
				t.Errorf("console errors lack %q: %q", s, p.ConsoleErrors)
			}
		}
		if len(p.ConsoleErrors) != 3 {
			t.Errorf("console errors: %q, want 3", p.ConsoleErrors)
		}
		checkOutputs(t, path, p)
	})
}
