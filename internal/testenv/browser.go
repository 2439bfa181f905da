package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Browser returns the path of the headless Chromium the rendering tests use: the one
// scripts/chromium.sh finds (CHROMIUM, or chromium on the PATH), or Debian's chromium package,
// which the script installs when none is found. The script runs once per test process. When it
// cannot provide a browser the test fails with the script's message: it never skips.
func Browser(t testing.TB) string {
	t.Helper()
	browserOnce.Do(findBrowser)
	if browserErr != nil {
		t.Fatalf("testenv: the rendering tests need Chromium: %v", browserErr)
	}
	if browserNote != "" {
		t.Logf("testenv: %s", browserNote)
	}
	return browserPath
}

var (
	browserOnce sync.Once
	browserPath string
	browserErr  error
	browserNote string // what the script said while installing, logged by the first test only
)

// browserScriptTimeout bounds scripts/chromium.sh: an apt-get update and install included.
const browserScriptTimeout = 15 * time.Minute

func findBrowser() {
	root, err := repoRoot()
	if err != nil {
		browserErr = err
		return
	}
	script := filepath.Join(root, "scripts", "chromium.sh")
	ctx, cancel := context.WithTimeout(context.Background(), browserScriptTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, script)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	said := strings.TrimSpace(stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	path := strings.TrimSpace(lines[len(lines)-1])
	switch {
	case err != nil:
		if said == "" {
			said = strings.TrimSpace(stdout.String())
		}
		browserErr = fmt.Errorf("%s failed (%v): %s", script, err, said)
	case path == "":
		browserErr = fmt.Errorf("%s printed no path: %s", script, said)
	default:
		browserPath, browserNote = path, said
	}
}

// repoRoot is the folder of go.mod above the working directory (tests run in their package's
// folder).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: cannot find scripts/chromium.sh")
		}
		dir = parent
	}
}

// Page is an HTML file as headless Chromium rendered it.
type Page struct {
	// ConsoleErrors are the page's console.error (and failed console.assert) calls, its
	// uncaught exceptions and the browser log's errors (a resource that failed to load), in
	// order, each as "kind: text (where)". A page that loads cleanly has none.
	ConsoleErrors []string
	// Text is document.body.innerText: the text a reader sees, laid out.
	Text string
	// SVGs are the page's <svg> elements in document order.
	SVGs []SVG
	// PNG is a full-page screenshot; PDF the page printed on A4 with its backgrounds. Both are
	// also written beside the HTML file (same base name, .png and .pdf).
	PNG, PDF []byte
}

// SVG is one <svg> element of a rendered page: its id and class attributes, how many
// elements of each kind it contains (at any depth, those of nested <svg> included), its
// data-series-count attribute ("" when absent) and its rendered size in CSS pixels.
type SVG struct {
	ID, Class                                      string
	Paths, Circles, Rects, Lines, Polylines, Texts int
	Series                                         string
	Width, Height                                  float64
}

// renderTimeout bounds one Render: starting the browser, loading, capturing, printing, closing.
const renderTimeout = 60 * time.Second

// Render opens the HTML file in a headless Chromium of its own (fresh temporary profile,
// --no-sandbox when root, GPU off), waits for the load event, and returns what the page
// shows: its console errors, text, SVG elements, a full-page PNG and an A4 PDF, which it also
// writes beside the file. It fails the test when the browser cannot load the page; console
// errors are returned, for the test to judge.
func Render(t testing.TB, htmlPath string) Page {
	t.Helper()
	exe := Browser(t)
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("testenv: cannot render: %v", err)
	}
	start := time.Now()
	p, logs, err := render(exe, abs)
	for _, l := range logs {
		t.Logf("testenv: chromium: %s", l)
	}
	if err != nil {
		t.Fatalf("testenv: rendering %s in %s: %v", abs, exe, err)
	}
	base := strings.TrimSuffix(abs, filepath.Ext(abs))
	for ext, data := range map[string][]byte{".png": p.PNG, ".pdf": p.PDF} {
		if err := os.WriteFile(base+ext, data, 0o644); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
	t.Logf("testenv: rendered %s in %s: %d svg, %d console errors, png %d bytes, pdf %d bytes (%s.png, .pdf)",
		filepath.Base(abs), time.Since(start).Round(time.Millisecond), len(p.SVGs), len(p.ConsoleErrors), len(p.PNG), len(p.PDF), base)
	return p
}

// svgsJS lists the <svg> elements as JSON, in document order.
const svgsJS = `JSON.stringify(Array.from(document.querySelectorAll('svg'), s => {
	const n = tag => s.getElementsByTagName(tag).length;
	const r = s.getBoundingClientRect();
	return {id: s.id || '', class: s.getAttribute('class') || '',
		paths: n('path'), circles: n('circle'), rects: n('rect'), lines: n('line'),
		polylines: n('polyline'), texts: n('text'),
		series: s.getAttribute('data-series-count') || '', width: r.width, height: r.height};
}))`

// render does Render's work; logs are chromedp's own complaints and, on failure, the browser's
// last output.
func render(exe, path string) (p Page, logs []string, err error) {
	var mu sync.Mutex
	var consoleErrs, notes []string
	note := func(format string, args ...any) {
		mu.Lock()
		notes = append(notes, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	out := &tailBuffer{max: 8 << 10}
	// Deferred first, so it runs last: once the browser is gone and nothing writes any more.
	defer func() {
		if err != nil {
			if s := strings.TrimSpace(out.String()); s != "" {
				note("browser output:\n%s", s)
			}
		}
		mu.Lock()
		logs = append([]string(nil), notes...)
		mu.Unlock()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), renderTimeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless among them
		chromedp.ExecPath(exe),
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(out),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	// No UserDataDir: chromedp makes a fresh temporary profile and removes it, after killing
	// any helper process still writing there.
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel() // waits for the browser to exit

	// The listener runs on the goroutine that reads the tab's messages, before the reply to any
	// later command: once the last command below returns, every earlier event has been seen.
	bctx, bcancel := chromedp.NewContext(actx,
		chromedp.WithListener(func(ev any) {
			if m := consoleError(ev); m != "" {
				mu.Lock()
				consoleErrs = append(consoleErrs, m)
				mu.Unlock()
			}
		}),
		chromedp.WithLogf(note), chromedp.WithErrorf(note))
	defer bcancel()

	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
	if err := chromedp.Do(bctx, chromedp.Navigate(u)); err != nil {
		return p, nil, fmt.Errorf("loading %s: %w", u, err)
	}
	// Web fonts (inline or not) before text, layout and pixels.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		return p, nil, fmt.Errorf("waiting for fonts: %w", err)
	}
	if p.Text, err = chromedp.Run(bctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`)); err != nil {
		return p, nil, fmt.Errorf("reading the text: %w", err)
	}
	svgs, err := chromedp.Run(bctx, chromedp.Evaluate[string](svgsJS))
	if err != nil {
		return p, nil, fmt.Errorf("listing the svg elements: %w", err)
	}
	if err := json.Unmarshal([]byte(svgs), &p.SVGs); err != nil {
		return p, nil, fmt.Errorf("decoding the svg list: %w", err)
	}
	if p.PNG, err = chromedp.Run(bctx, chromedp.FullScreenshot(100)); err != nil {
		return p, nil, fmt.Errorf("screenshot: %w", err)
	}
	if p.PDF, err = chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground())); err != nil {
		return p, nil, fmt.Errorf("printing to PDF: %w", err)
	}
	mu.Lock()
	p.ConsoleErrors = append([]string(nil), consoleErrs...)
	mu.Unlock()

	// Close the browser gracefully now; the deferred cancels then wait for it and its profile
	// folder to be gone.
	if cerr := chromedp.Cancel(bctx); cerr != nil {
		note("closing the browser: %v", cerr)
	}
	return p, nil, nil
}

// consoleError describes an event that is an error on the page's console, or returns "".
func consoleError(ev any) string {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return ""
		}
		args := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			args = append(args, remoteText(a))
		}
		text := "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			f := st.CallFrames[0]
			text += where(f.URL, f.LineNumber)
		}
		return text
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		if d == nil {
			return "exception"
		}
		text := "exception: " + d.Text
		if d.Exception != nil {
			// The description of an Error is its message and stack: the first line is enough.
			desc, _, _ := strings.Cut(remoteText(d.Exception), "\n")
			text += " " + desc
		}
		u := d.URL
		if u == "" && d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
			u = d.StackTrace.CallFrames[0].URL
		}
		return text + where(u, d.LineNumber)
	case *log.EventEntryAdded:
		e := ev.Entry
		if e == nil || e.Level != log.EntryLevelError {
			return ""
		}
		return "log " + string(e.Source) + ": " + e.Text + where(e.URL, e.LineNumber)
	}
	return ""
}

// remoteText is a console argument as the console prints it.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		var s string
		if o.Type == runtime.RemoteObjectTypeString && json.Unmarshal(o.Value, &s) == nil {
			return s
		}
		return string(o.Value)
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	if o.Description != "" {
		return o.Description
	}
	return string(o.Type)
}

func where(u string, line int64) string {
	if u == "" {
		return ""
	}
	return " (" + u + ":" + strconv.FormatInt(line+1, 10) + ")"
}

// tailBuffer keeps the last max bytes written to it: the browser's output, for errors.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
