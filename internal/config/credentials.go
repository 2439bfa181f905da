package config

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigia-observatory/vigia/internal/kclient"
)

// stateDir is where `make services` keeps its state, credentials included.
func stateDir(environ map[string]string) string {
	if d := environ["VIGIA_STATE_DIR"]; d != "" {
		return d
	}
	return ".state"
}

// credentialsFile is the file named by the environment or the config file, or the default
// when it exists; named explicitly, it must exist.
func credentialsFile(key, named, def string) (string, bool, error) {
	if named != "" {
		if _, err := os.Stat(named); err != nil {
			return "", false, fmt.Errorf("kafka.%s: cannot read %s: %w", key, named, err)
		}
		return named, true, nil
	}
	if _, err := os.Stat(def); err == nil {
		return def, true, nil
	}
	return "", false, nil
}

// readCredentials reads KEY=VALUE lines (# comments, blank lines) of VIGIA_KAFKA_* keys.
func readCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read Kafka credentials: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(k, "VIGIA_KAFKA_") {
			return nil, fmt.Errorf("cannot read Kafka credentials: %s line %d: want VIGIA_KAFKA_<KEY>=value", path, n)
		}
		out[k] = v
	}
	return out, sc.Err()
}

// withCredentials returns environ over the pipeline's credentials file: what the file says
// is a default that the YAML file (yamlKafka: the kafka keys it sets) and the environment
// override, so a checkout's .state never redirects a deployment's own configuration.
func withCredentials(k Kafka, yamlKafka map[string]any, environ map[string]string) (map[string]string, error) {
	named := environ["VIGIA_KAFKA_CREDENTIALS_FILE"]
	if named == "" {
		named = k.CredentialsFile
	}
	path, ok, err := credentialsFile("credentials_file", named, filepath.Join(stateDir(environ), "kafka", "secrets", "pipeline.env"))
	if err != nil || !ok {
		return environ, err
	}
	file, err := readCredentials(path)
	if err != nil {
		return nil, err
	}
	for key := range file {
		if _, set := yamlKafka[strings.ToLower(strings.TrimPrefix(key, "VIGIA_KAFKA_"))]; set {
			delete(file, key)
		}
	}
	for key, v := range environ {
		file[key] = v
	}
	return file, nil
}

// adminCredentials reads the administrator's SASL identity, if a file gives one.
func adminCredentials(k Kafka, environ map[string]string) (kclient.SASL, error) {
	path, ok, err := credentialsFile("admin_credentials_file", k.AdminCredentialsFile, filepath.Join(stateDir(environ), "kafka", "secrets", "admin.env"))
	if err != nil || !ok {
		return kclient.SASL{}, err
	}
	file, err := readCredentials(path)
	if err != nil {
		return kclient.SASL{}, err
	}
	return kclient.SASL{Mechanism: file["VIGIA_KAFKA_SASL_MECHANISM"], Username: file["VIGIA_KAFKA_SASL_USERNAME"],
		Password: file["VIGIA_KAFKA_SASL_PASSWORD"]}, nil
}
