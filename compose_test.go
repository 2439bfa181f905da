// Package vigia_test checks the deployment files at the top of the repository: compose.yaml
// (loaded with compose-go, as `docker compose` loads it) and the Dockerfile. No Docker engine
// runs on the development machines, so this is how they stay true.
package vigia_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/goccy/go-yaml"

	"github.com/vigia-observatory/vigia/internal/secrets"
)

func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	return env
}

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir: ".", ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml"}}, Environment: maps.Clone(env),
	}, func(o *loader.Options) { o.SetProjectName("vigia", true) })
}

// Every service, port, volume, health check and variable that README.md and .env.example
// name is in compose.yaml, and the start order is guarded by health conditions.
func TestComposeFile(t *testing.T) {
	env := envFile(t, ".env.example")
	p, err := loadCompose(t, env)
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	images := map[string]string{"kafka": "apache/kafka:", "clickhouse": "clickhouse/clickhouse-server:", "grafana": "grafana/grafana:",
		"vigia-migrate": "vigia:local", "vigia": "vigia:local", "publisher": "vigia:local", "vigia-kafka-setup": "vigia:local", "vigia-keys": "vigia:local"}
	for name, image := range images {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("service %s missing", name)
			continue
		}
		if !strings.HasPrefix(s.Image, image) {
			t.Errorf("%s: image %q, want %s*", name, s.Image, image)
		}
	}
	for _, name := range []string{"kafka", "clickhouse", "grafana", "vigia"} {
		if hc := p.Services[name].HealthCheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}
	wantDeps := map[string]map[string]string{
		"grafana":           {"clickhouse": "service_healthy"},
		"vigia-migrate":     {"clickhouse": "service_healthy"},
		"vigia-kafka-setup": {"kafka": "service_healthy"},
		"vigia":             {"vigia-kafka-setup": "service_completed_successfully", "vigia-migrate": "service_completed_successfully", "vigia-keys": "service_completed_successfully"},
		"publisher":         {"vigia": "service_healthy"},
	}
	for svc, deps := range wantDeps {
		for dep, cond := range deps {
			if d, ok := p.Services[svc].DependsOn[dep]; !ok || d.Condition != cond {
				t.Errorf("%s depends_on %s: %+v, want condition %s", svc, dep, d, cond)
			}
		}
	}
	if b := p.Services["vigia-migrate"].Build; b == nil || !strings.HasSuffix(b.Dockerfile, "Dockerfile") {
		t.Errorf("vigia-migrate does not build the Dockerfile: %+v", b)
	}
	ports := map[string]uint32{}
	for name, s := range p.Services {
		for _, pc := range s.Ports {
			ports[name] = pc.Target
		}
	}
	for svc, port := range map[string]uint32{"grafana": 3000, "kafka": 9094, "clickhouse": 8123, "vigia": 9464} {
		if ports[svc] != port {
			t.Errorf("%s publishes %d, want %d (README names it)", svc, ports[svc], port)
		}
	}
	for _, v := range []string{"kafka-data", "kafka-secrets", "kafka-client", "kafka-admin", "clickhouse-data", "grafana-data", "vigia-keys"} {
		if _, ok := p.Volumes[v]; !ok {
			t.Errorf("named volume %s missing", v)
		}
	}
	mounts := map[string]bool{}
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			mounts[v.Target] = true
		}
	}
	for _, m := range []string{"/etc/grafana/provisioning", "/var/lib/grafana/dashboards/vigia", "/etc/clickhouse-server/users.d/vigia.xml", "/etc/clickhouse-server/config.d/vigia.xml"} {
		if !mounts[m] {
			t.Errorf("no mount at %s", m)
		}
	}
	for _, f := range []string{"dashboards/provisioning/datasources/clickhouse.yaml", "dashboards/provisioning/dashboards/vigia.yaml", "sinks/clickhouse/users.d/vigia.xml", "sinks/clickhouse/config.d/vigia.xml"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("mounted file missing: %v", err)
		}
	}
	if g := p.Services["grafana"].Environment["GF_INSTALL_PLUGINS"]; g == nil || *g != "grafana-clickhouse-datasource" {
		t.Errorf("grafana does not install the ClickHouse plugin: %v", g)
	}
	vigiaEnv := p.Services["vigia"].Environment
	for _, k := range []string{"VIGIA_KAFKA_BROKERS", "VIGIA_CLICKHOUSE_ADDR", "VIGIA_CLICKHOUSE_PASSWORD", "VIGIA_PSEUDONYM_KEYS_FILE", "VIGIA_EVENT_KEYS_FILE", "VIGIA_DLQ_KEYS_FILE", "VIGIA_ALERT_KEYS_FILE"} {
		if v := vigiaEnv[k]; v == nil || *v == "" {
			t.Errorf("vigia lacks %s", k)
		}
	}
	// Every variable compose.yaml requires is in .env.example, and no secret is in compose.yaml.
	raw, _ := os.ReadFile("compose.yaml")
	for _, m := range regexp.MustCompile(`\$\{(\w+):\?`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("compose.yaml requires %s, which .env.example does not document", m[1])
		}
	}
	for k, v := range env {
		if v != "" && strings.Contains(string(raw), v) {
			t.Errorf("compose.yaml contains the value of %s", k)
		}
	}
	// Without an .env, compose stops with a message naming the variable.
	if _, err := loadCompose(t, map[string]string{}); err == nil || !strings.Contains(err.Error(), "CLICKHOUSE_PASSWORD") && !strings.Contains(err.Error(), "VIGIA_") && !strings.Contains(err.Error(), "GRAFANA_") {
		t.Errorf("compose.yaml loads without secrets: %v", err)
	}
}

// The Dockerfile builds what `make build` builds: the same package, CGO off, -trimpath and
// the same linker flags, onto a static image.
func TestDockerfileBuildsWhatTheMakefileBuilds(t *testing.T) {
	docker, _ := os.ReadFile("Dockerfile")
	makefile, _ := os.ReadFile("Makefile")
	build := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .*)$`).FindStringSubmatch(string(docker))
	target := regexp.MustCompile(`(?m)^build:.*\n\t(CGO_ENABLED=0 \$\(GO\) build .*)$`).FindStringSubmatch(string(makefile))
	if build == nil || target == nil {
		t.Fatalf("cannot find the build lines (Dockerfile %v, Makefile %v)", build != nil, target != nil)
	}
	fields := func(s string) []string {
		var out []string
		for _, f := range strings.Fields(s) {
			if strings.HasPrefix(f, "-") || strings.HasPrefix(f, "./") || strings.HasPrefix(f, "CGO_") {
				out = append(out, strings.Trim(f, `'"`))
			}
		}
		return out
	}
	d, m := fields(build[1]), fields(target[1])
	for _, want := range m {
		if !slices.Contains(d, want) && want != "-o" {
			t.Errorf("Makefile builds with %q, the Dockerfile does not: %v", want, d)
		}
	}
	ldDocker := regexp.MustCompile(`-ldflags "([^"]+)"`).FindStringSubmatch(build[1])
	ldMake := regexp.MustCompile(`LDFLAGS := (.*)`).FindStringSubmatch(string(makefile))
	if ldDocker == nil || ldMake == nil || strings.Fields(ldDocker[1])[0] != strings.Fields(ldMake[1])[0] ||
		!strings.Contains(ldDocker[1], "-X main.version=") || !strings.Contains(ldMake[1], "-X main.version=") {
		t.Errorf("linker flags differ: Dockerfile %q, Makefile %q", ldDocker, ldMake)
	}
	if !strings.Contains(string(docker), "FROM gcr.io/distroless/static") || !strings.Contains(string(docker), `ENTRYPOINT ["/vigia"]`) {
		t.Error("the final image is not the static binary on distroless")
	}
}

// The compose broker is secured as make services' is: SASL_SSL listeners only for clients,
// SCRAM-SHA-512, the StandardAuthorizer with no ACL no access, no automatic topic creation;
// the pipeline mounts its own credentials, never the administrator's.
func TestComposeKafkaSecured(t *testing.T) {
	b, err := os.ReadFile("scripts/compose/kafka.sh")
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for _, want := range []string{
		"listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT,EXTERNAL:SASL_SSL",
		"listeners=SASL_SSL://:9092,CONTROLLER://localhost:9093,EXTERNAL://:9094",
		"sasl.enabled.mechanisms=SCRAM-SHA-512",
		"authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
		"allow.everyone.if.no.acl.found=false", "auto.create.topics.enable=false",
		"--add-scram \"SCRAM-SHA-512=[name=vigia-pipeline",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("scripts/compose/kafka.sh does not set %s", want)
		}
	}
	if strings.Contains(script, "PLAINTEXT://") {
		t.Error("scripts/compose/kafka.sh opens a PLAINTEXT listener")
	}
	p, err := loadCompose(t, envFile(t, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Services["vigia"].Volumes {
		if v.Source == "kafka-admin" {
			t.Error("the pipeline service mounts the administrator's credentials")
		}
	}
	// A credentials file named in a service's environment must be in a volume it mounts (a
	// named file that is missing stops the program), and the pipeline must not mount the
	// administrator's.
	for name, svc := range p.Services {
		for _, key := range []string{"VIGIA_KAFKA_CREDENTIALS_FILE", "VIGIA_KAFKA_ADMIN_CREDENTIALS_FILE"} {
			v := svc.Environment[key]
			if v == nil {
				continue
			}
			mounted := false
			for _, m := range svc.Volumes {
				mounted = mounted || strings.HasPrefix(*v, m.Target+"/")
			}
			if !mounted {
				t.Errorf("%s: %s=%s is in no volume it mounts", name, key, *v)
			}
		}
	}
	if p.Services["vigia"].Environment["VIGIA_KAFKA_ADMIN_CREDENTIALS_FILE"] != nil {
		t.Error("the pipeline service is given the administrator's credentials")
	}
	for _, want := range []string{"VIGIA_KAFKA_TLS_CA_FILE=$dir/ca.pem", "dir=/kafka-client", "dir=/kafka-admin", "chmod 600"} {
		if !strings.Contains(script, want) {
			t.Errorf("scripts/compose/kafka.sh does not write %q: the credentials files must name the CA where the services mount it, 0600", want)
		}
	}
	if p.Services["kafka"].Entrypoint == nil || !strings.Contains(strings.Join(p.Services["kafka"].Entrypoint, " "), "kafka.sh") {
		t.Errorf("kafka's entrypoint is %v, want scripts/compose/kafka.sh", p.Services["kafka"].Entrypoint)
	}
}

// chUsers is what compose.yaml's ClickHouse reads from sinks/clickhouse/users.d/vigia.xml.
type chUsers struct {
	Profiles struct {
		Grafana struct {
			Readonly         int     `xml:"readonly"`
			MaxExecutionTime float64 `xml:"max_execution_time"`
			MaxMemoryUsage   int64   `xml:"max_memory_usage"`
			MaxResultRows    int64   `xml:"max_result_rows"`
			ResultOverflow   string  `xml:"result_overflow_mode"`
			Constraints      struct {
				Settings []struct {
					XMLName    xml.Name
					Min        *float64  `xml:"min"`
					Max        *float64  `xml:"max"`
					Readonly   *struct{} `xml:"readonly"`
					Changeable *struct{} `xml:"changeable_in_readonly"`
				} `xml:",any"`
			} `xml:"constraints"`
		} `xml:"vigia_grafana"`
	} `xml:"profiles"`
	Quotas struct {
		Grafana struct {
			Interval struct {
				Queries       int `xml:"queries"`
				ExecutionTime int `xml:"execution_time"`
			} `xml:"interval"`
		} `xml:"vigia_grafana"`
	} `xml:"quotas"`
	Users struct {
		Users []struct {
			XMLName  xml.Name
			Password struct {
				FromEnv string `xml:"from_env,attr"`
			} `xml:"password"`
			Profile string   `xml:"profile"`
			Quota   string   `xml:"quota"`
			Grants  []string `xml:"grants>query"`
		} `xml:",any"`
	} `xml:"users"`
}

// Compose's ClickHouse users: the migrating user alone runs DDL, the stages read and write
// Vigía's two databases, Grafana reads the published one only, readonly, with limits the
// plugin can lower but never raise and a quota; each service logs in as its own user with the
// password the server expects for it, and Grafana holds no other user's password.
func TestComposeClickHouseUsers(t *testing.T) {
	env := envFile(t, ".env.example")
	p, err := loadCompose(t, env)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("sinks/clickhouse/users.d/vigia.xml")
	if err != nil {
		t.Fatal(err)
	}
	var u chUsers
	if err := xml.Unmarshal(b, &u); err != nil {
		t.Fatalf("sinks/clickhouse/users.d/vigia.xml: %v", err)
	}
	server := p.Services["clickhouse"].Environment
	passwordOf := map[string]string{} // user -> the password the server expects
	grants := map[string][]string{}
	for _, user := range u.Users.Users {
		name := user.XMLName.Local
		v := server[user.Password.FromEnv]
		if user.Password.FromEnv == "" || v == nil || *v == "" {
			t.Errorf("%s: its password comes from %q, which the clickhouse service's environment does not set", name, user.Password.FromEnv)
			continue
		}
		passwordOf[name], grants[name] = *v, user.Grants
	}
	want := map[string][]string{
		"vigia_migrate": {"GRANT CREATE DATABASE, CREATE TABLE, ALTER TABLE, DROP TABLE, SELECT, INSERT ON vigia.*",
			"GRANT CREATE DATABASE, CREATE TABLE, ALTER TABLE, DROP TABLE, SELECT, INSERT ON vigia_public.*"},
		"vigia_pipeline": {"GRANT SELECT, INSERT ON vigia.*", "GRANT SELECT, INSERT ON vigia_public.*"},
		"vigia_grafana":  {"GRANT SELECT ON vigia_public.*"},
	}
	for name, w := range want {
		if !slices.Equal(grants[name], w) {
			t.Errorf("%s is granted %q, want %q", name, grants[name], w)
		}
	}
	if len(grants) != len(want) {
		t.Errorf("users %v, want exactly %v", slices.Sorted(maps.Keys(grants)), slices.Sorted(maps.Keys(want)))
	}

	g := u.Profiles.Grafana
	if g.Readonly != 1 || g.MaxExecutionTime <= 0 || g.MaxMemoryUsage <= 0 || g.MaxResultRows <= 0 || g.ResultOverflow != "throw" {
		t.Errorf("profile vigia_grafana %+v: want readonly 1 and a time, memory and result limit that throws", g)
	}
	constraint := map[string]string{}
	var maxTime, maxLimit float64
	for _, c := range g.Constraints.Settings {
		switch name := c.XMLName.Local; {
		case c.Readonly != nil:
			constraint[name] = "readonly"
		case c.Changeable != nil && c.Max != nil && c.Min != nil && *c.Min >= 1 && name == "max_execution_time":
			constraint[name], maxTime = "bounded", *c.Max
		case c.Changeable != nil && c.Max != nil && name == "limit":
			constraint[name], maxLimit = "bounded", *c.Max
		default:
			constraint[name] = fmt.Sprintf("%+v", c)
		}
	}
	for name, w := range map[string]string{"max_execution_time": "bounded", "limit": "bounded", "max_memory_usage": "readonly", "max_result_rows": "readonly", "result_overflow_mode": "readonly"} {
		if constraint[name] != w {
			t.Errorf("vigia_grafana's constraint on %s: %q, want %s", name, constraint[name], w)
		}
	}
	if maxTime != g.MaxExecutionTime || maxLimit > float64(g.MaxResultRows) {
		t.Errorf("vigia_grafana may raise max_execution_time to %v (profile %v) and limit to %v (max_result_rows %d): never above the profile", maxTime, g.MaxExecutionTime, maxLimit, g.MaxResultRows)
	}
	if q := u.Quotas.Grafana.Interval; q.Queries <= 0 || q.ExecutionTime <= 0 {
		t.Errorf("quota vigia_grafana %+v: want queries and execution time bounded per hour", q)
	}
	conf, _ := os.ReadFile("sinks/clickhouse/config.d/vigia.xml")
	if !strings.Contains(string(conf), "<settings_constraints_replace_previous>true</settings_constraints_replace_previous>") {
		t.Error("sinks/clickhouse/config.d/vigia.xml does not enable settings_constraints_replace_previous, which changeable_in_readonly needs")
	}

	// Each service as its own user, with the password the server expects for it.
	for svc, user := range map[string]string{"vigia": "vigia_pipeline", "vigia-migrate": "vigia_migrate"} {
		e := p.Services[svc].Environment
		if v := e["VIGIA_CLICKHOUSE_USERNAME"]; v == nil || *v != user {
			t.Errorf("%s logs in to ClickHouse as %v, want %s", svc, v, user)
		}
		if v := e["VIGIA_CLICKHOUSE_PASSWORD"]; v == nil || *v != passwordOf[user] {
			t.Errorf("%s is not given %s's password", svc, user)
		}
	}
	ds, err := os.ReadFile("dashboards/provisioning/datasources/clickhouse.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Datasources []struct {
			JSONData struct {
				Username        string `yaml:"username"`
				DefaultDatabase string `yaml:"defaultDatabase"`
				QueryTimeout    string `yaml:"queryTimeout"`
			} `yaml:"jsonData"`
			SecureJSONData struct {
				Password string `yaml:"password"`
			} `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(ds, &doc); err != nil || len(doc.Datasources) != 1 {
		t.Fatalf("the data source provisioning: %v (%d data sources)", err, len(doc.Datasources))
	}
	d := doc.Datasources[0]
	grafanaEnv := p.Services["grafana"].Environment
	if d.JSONData.Username != "vigia_grafana" || d.JSONData.DefaultDatabase != "vigia_public" {
		t.Errorf("the data source logs in as %q to %q, want vigia_grafana to vigia_public", d.JSONData.Username, d.JSONData.DefaultDatabase)
	}
	if m := regexp.MustCompile(`^\$\{(\w+)\}$`).FindStringSubmatch(d.SecureJSONData.Password); m == nil || grafanaEnv[m[1]] == nil || *grafanaEnv[m[1]] != passwordOf["vigia_grafana"] {
		t.Errorf("the data source's password %q is not vigia_grafana's from grafana's environment", d.SecureJSONData.Password)
	}
	// The plugin asks for its query timeout + 5 s as max_execution_time, and for Grafana's row
	// limit as limit: above the constraints, the server would refuse every query.
	if qt, err := strconv.ParseFloat(d.JSONData.QueryTimeout, 64); err != nil || qt+5 > maxTime {
		t.Errorf("the data source's queryTimeout %q: the plugin would ask for max_execution_time %v, above vigia_grafana's %v", d.JSONData.QueryTimeout, qt+5, maxTime)
	}
	if v := grafanaEnv["GF_DATAPROXY_ROW_LIMIT"]; v == nil || *v != strconv.Itoa(int(maxLimit)) {
		t.Errorf("grafana's GF_DATAPROXY_ROW_LIMIT is not %v: the plugin sends it as limit, which vigia_grafana may set up to that", maxLimit)
	}
	for user, pw := range passwordOf {
		if user == "vigia_grafana" {
			continue
		}
		for k, v := range grafanaEnv {
			if v != nil && *v == pw {
				t.Errorf("grafana's environment holds %s's password (%s)", user, k)
			}
		}
	}
}

// A key: base64 of 32 bytes on its own, or a ring entry id:base64 (of 16 bytes or more).
var keyValueRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9+/=])([A-Za-z0-9+/]{43}=)(?:[^A-Za-z0-9+/=]|$)|[A-Za-z0-9_.-]{1,32}:([A-Za-z0-9+/]{16,}={0,2})`)

// No key ships with the repository: compose makes them on first start (vigia-keys, with the
// binary's crypto/rand, kept when already there) into a volume that every service reading a
// key mounts read-only, after vigia-keys has completed, and that no other service mounts;
// .env.example names every purpose's variable, empty, with the command that makes its keys.
func TestComposeKeys(t *testing.T) {
	env := envFile(t, ".env.example")
	p, err := loadCompose(t, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"compose.yaml", ".env.example"} {
		b, _ := os.ReadFile(f)
		for _, m := range keyValueRe.FindAllStringSubmatch(string(b), -1) {
			if k, err := base64.StdEncoding.DecodeString(m[1] + m[2]); err == nil && len(k) >= 16 {
				t.Errorf("%s holds a key value %q", f, m[0])
			}
		}
	}
	example, _ := os.ReadFile(".env.example")
	for _, purpose := range secrets.Purposes {
		if v, ok := env[purpose.Env]; !ok || v != "" {
			t.Errorf(".env.example: %s=%q, want it listed and empty", purpose.Env, v)
		}
		if !strings.Contains(string(example), "vigia keys generate --purpose "+purpose.Name) {
			t.Errorf(".env.example does not say how to make %s", purpose.Env)
		}
	}

	gen, ok := p.Services["vigia-keys"]
	if !ok {
		t.Fatal("no vigia-keys service")
	}
	flags := map[string]string{}
	cmd := []string(gen.Command)
	for i, a := range cmd {
		if strings.HasPrefix(a, "--") {
			flags[a] = ""
			if i+1 < len(cmd) && !strings.HasPrefix(cmd[i+1], "--") {
				flags[a] = cmd[i+1]
			}
		}
	}
	if len(cmd) < 2 || cmd[0] != "keys" || cmd[1] != "generate" || flags["--dir"] == "" {
		t.Fatalf("vigia-keys runs %q, want keys generate --dir DIR", cmd)
	}
	if _, ok := flags["--if-absent"]; !ok {
		t.Error("vigia-keys would fail on the second start: no --if-absent")
	}
	made := map[string]bool{}
	for _, name := range strings.Split(flags["--purpose"], ",") {
		made[name] = true
	}
	keysVolume := ""
	for _, v := range gen.Volumes {
		if v.Target == flags["--dir"] && v.Type == "volume" && !v.ReadOnly {
			keysVolume = v.Source
		}
	}
	if keysVolume == "" {
		t.Fatalf("vigia-keys writes into %s, which is no volume it mounts read-write", flags["--dir"])
	}
	if _, ok := p.Volumes[keysVolume]; !ok {
		t.Errorf("volume %s is not declared", keysVolume)
	}

	for name, svc := range p.Services {
		files := 0
		for _, purpose := range secrets.Purposes {
			v := svc.Environment[purpose.Env+"_FILE"]
			if v == nil {
				continue
			}
			files++
			if !made[purpose.Name] || path.Base(*v) != purpose.Name+".keys" {
				t.Errorf("%s: %s_FILE=%s, which vigia-keys does not make (%s)", name, purpose.Env, *v, flags["--purpose"])
			}
			mounted := false
			for _, m := range svc.Volumes {
				mounted = mounted || m.Source == keysVolume && m.ReadOnly && path.Dir(*v) == m.Target
			}
			if !mounted {
				t.Errorf("%s: %s_FILE=%s is not in the keys volume mounted read-only", name, purpose.Env, *v)
			}
			if d, ok := svc.DependsOn["vigia-keys"]; !ok || d.Condition != "service_completed_successfully" {
				t.Errorf("%s reads keys before vigia-keys has made them: depends_on %+v", name, svc.DependsOn)
			}
			if s := svc.Environment[purpose.Env]; s != nil && *s != "" {
				t.Errorf("%s is given %s from .env.example: %q", name, purpose.Env, *s)
			}
		}
		if files == 0 && name != "vigia-keys" {
			for _, m := range svc.Volumes {
				if m.Source == keysVolume {
					t.Errorf("%s mounts the keys but reads none", name)
				}
			}
		}
	}
	// The pipeline service runs every stage: it reads every purpose's ring.
	for _, purpose := range secrets.Purposes {
		if p.Services["vigia"].Environment[purpose.Env+"_FILE"] == nil {
			t.Errorf("vigia is not given %s_FILE", purpose.Env)
		}
	}
	// A ring set in .env is passed on, and takes precedence over the file (LoadKeyRing).
	withRing := maps.Clone(env)
	withRing["VIGIA_DLQ_KEYS"] = "d1:from-dotenv"
	if p, err := loadCompose(t, withRing); err != nil || p.Services["vigia"].Environment["VIGIA_DLQ_KEYS"] == nil || *p.Services["vigia"].Environment["VIGIA_DLQ_KEYS"] != "d1:from-dotenv" {
		t.Errorf("a ring set in .env does not reach the pipeline (%v)", err)
	}
}
