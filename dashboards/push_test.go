package dashboards

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeGrafana answers the requests Grafana's HTTP API expects and records the uploads.
type fakeGrafana struct {
	mu        sync.Mutex
	noPlugin  bool
	folders   []map[string]any
	uploads   []map[string]any
	unexpectd []string
}

func (g *fakeGrafana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.URL.Path == "/grafana/api/health" { // unauthenticated, as in Grafana
		_, _ = io.WriteString(w, `{"commit":"abc","database":"ok","version":"12.2.0"}`)
		return
	}
	if r.Header.Get("Authorization") != "Bearer good-token" {
		http.Error(w, `{"message":"invalid API key"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	body, _ := io.ReadAll(r.Body)
	switch r.Method + " " + r.URL.Path {
	case "GET /grafana/api/plugins/" + PluginID + "/settings":
		if g.noPlugin {
			http.Error(w, `{"message":"Plugin not found"}`, http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, `{"id":"`+PluginID+`","enabled":true,"info":{"version":"4.11.0"}}`)
	case "GET /grafana/api/datasources":
		_, _ = io.WriteString(w, `[{"uid":"pg1","name":"Postgres","type":"postgres"},{"uid":"ch1","name":"ClickHouse Vigía","type":"`+PluginID+`"}]`)
	case "GET /grafana/api/folders":
		_ = json.NewEncoder(w).Encode(g.folders)
	case "POST /grafana/api/folders":
		var f map[string]any
		_ = json.Unmarshal(body, &f)
		f["uid"] = "folder-1"
		g.folders = append(g.folders, f)
		_ = json.NewEncoder(w).Encode(f)
	case "POST /grafana/api/dashboards/db":
		var cmd map[string]any
		_ = json.Unmarshal(body, &cmd)
		g.uploads = append(g.uploads, cmd)
		uid := cmd["dashboard"].(map[string]any)["uid"].(string)
		_, _ = io.WriteString(w, `{"id":1,"uid":"`+uid+`","url":"/grafana/d/`+uid+`/x","status":"success","version":1}`)
	default:
		g.unexpectd = append(g.unexpectd, r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
	}
}

func TestPush(t *testing.T) {
	t.Parallel()
	g := &fakeGrafana{}
	srv := httptest.NewServer(g)
	defer srv.Close()
	files := mustRender(t)
	pushed, err := Push(context.Background(), PushConfig{URL: srv.URL + "/grafana", Token: "good-token"}, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(pushed) != len(All()) || len(g.uploads) != len(All()) || len(g.unexpectd) > 0 {
		t.Fatalf("pushed %d, uploads %d, unexpected requests %v", len(pushed), len(g.uploads), g.unexpectd)
	}
	if len(g.folders) != 1 || g.folders[0]["title"] != "Vigía" {
		t.Fatalf("folders %v", g.folders)
	}
	for _, u := range g.uploads {
		if u["overwrite"] != true || u["folderUid"] != "folder-1" {
			t.Errorf("upload without overwrite or folder: overwrite %v folder %v", u["overwrite"], u["folderUid"])
		}
		vars := u["dashboard"].(map[string]any)["templating"].(map[string]any)["list"].([]any)
		cur := vars[0].(map[string]any)["current"].(map[string]any)
		if cur["value"] != "ch1" {
			t.Errorf("datasource variable not set to the ClickHouse data source: %v", cur)
		}
	}
	if !strings.HasPrefix(pushed[0].URL, srv.URL+"/grafana/d/") {
		t.Errorf("url %q", pushed[0].URL)
	}
	// A second push finds the folder instead of creating another.
	if _, err := Push(context.Background(), PushConfig{URL: srv.URL + "/grafana", Token: "good-token"}, files); err != nil || len(g.folders) != 1 {
		t.Fatalf("second push: %v, %d folders", err, len(g.folders))
	}
}

func TestPushErrorsSayWhatToFix(t *testing.T) {
	t.Parallel()
	g := &fakeGrafana{}
	srv := httptest.NewServer(g)
	defer srv.Close()
	files := mustRender(t)
	for _, tc := range []struct {
		cfg      PushConfig
		noPlugin bool
		want     string
	}{
		{PushConfig{URL: "grafana.example", Token: "x"}, false, "want http(s)://host"},
		{PushConfig{URL: srv.URL + "/grafana"}, false, "--token"},
		{PushConfig{URL: srv.URL + "/grafana", Token: "wrong"}, false, "refused the token"},
		{PushConfig{URL: "http://127.0.0.1:1", Token: "good-token"}, false, "cannot reach Grafana"},
		{PushConfig{URL: srv.URL + "/grafana", Token: "good-token"}, true, "plugin (grafana-clickhouse-datasource) is not installed"},
		{PushConfig{URL: srv.URL + "/grafana", Token: "good-token", Datasource: "nope"}, false, `--datasource "nope"`},
		{PushConfig{URL: srv.URL + "/elsewhere", Token: "good-token"}, false, "is this the Grafana URL"},
	} {
		g.noPlugin = tc.noPlugin
		_, err := Push(context.Background(), tc.cfg, files)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if len(g.uploads) != 0 {
		t.Errorf("%d dashboards uploaded by failing pushes", len(g.uploads))
	}
}
