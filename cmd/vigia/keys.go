package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigia-observatory/vigia/internal/secrets"
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Make the pipeline's keys: pseudonyms, event ids, DLQ, alert signatures",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newKeysGenerateCmd())
	return cmd
}

func newKeysGenerateCmd() *cobra.Command {
	var (
		purposes               []string
		id, out, appendTo, dir string
		ifAbsent               bool
	)
	var table strings.Builder
	for _, p := range secrets.Purposes {
		fmt.Fprintf(&table, "  %-10s %-18s %2d bytes  %s\n", p.Name, p.Env, p.Size, p.Use)
	}
	cmd := &cobra.Command{
		Use:   "generate --purpose pseudonym|event|dlq|alert [--id ID] [--out FILE | --append FILE]",
		Short: "Make a new key (crypto/rand) for one purpose, as a ring line or a 0600 ring file",
		Long: `Generate makes a key of random bytes for one purpose and writes it as a ring entry
"id:base64key", which the pipeline reads from the purpose's variable or from a file named by
the variable with _FILE:

` + table.String() + `
Without --out or --append the entry is printed (for VIGIA_..._KEYS=$(vigia keys generate ...)).
--out FILE writes a new ring file, readable by its owner only (0600); it never replaces one.
--append FILE rotates: it adds a new key at the end of the ring in FILE, where it becomes the
current key, and keeps the older ones, which still read what they made. Remove an old key
once nothing needs it any more (for pseudonym keys: not before the dedup horizon has passed;
docs/DESIGN.md, Secrets). --dir DIR writes DIR/<purpose>.keys for each purpose given
(--purpose pseudonym,event,dlq,alert); with --if-absent a file already there is kept if it
holds a ring the pipeline accepts: how compose.yaml makes the keys on first start.

The id defaults to the purpose's first letter and today's date (p20261201).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ps []secrets.Purpose
			for _, name := range purposes {
				p, err := secrets.PurposeNamed(strings.TrimSpace(name))
				if err != nil {
					return err
				}
				ps = append(ps, p)
			}
			targets := 0
			for _, s := range []string{out, appendTo, dir} {
				if s != "" {
					targets++
				}
			}
			switch {
			case len(ps) == 0:
				return errors.New("--purpose is required: one of pseudonym, event, dlq, alert")
			case targets > 1:
				return errors.New("give one of --out, --append and --dir")
			case len(ps) > 1 && dir == "":
				return errors.New("several purposes need --dir (one file each)")
			case len(ps) > 1 && id != "":
				return errors.New("--id names one key: give it with one purpose")
			case ifAbsent && out == "" && dir == "":
				return errors.New("--if-absent goes with --out or --dir")
			}
			stderr := cmd.ErrOrStderr()
			switch {
			case appendTo != "":
				p := ps[0]
				newID, err := secrets.AppendRingFile(appendTo, p, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(stderr, "added %s key %s to %s: it is the current key from the next start of the stages that read %s_FILE\n", p.Name, newID, appendTo, p.Env)
				if _, err := secrets.LoadKeyRing(map[string]string{p.Env + "_FILE": appendTo}, p.Env, p.Size); err != nil {
					fmt.Fprintf(stderr, "warning: the pipeline will still refuse this ring until the weak key is removed: %v\n", err)
				}
				return nil
			case out != "":
				return writeRing(stderr, out, ps[0], id, ifAbsent)
			case dir != "":
				if err := os.MkdirAll(dir, 0o700); err != nil {
					return err
				}
				for _, p := range ps {
					if err := writeRing(stderr, filepath.Join(dir, p.Name+".keys"), p, id, ifAbsent); err != nil {
						return err
					}
				}
				return nil
			}
			p := ps[0]
			if id == "" {
				id = secrets.DefaultKeyID(p, time.Now())
			}
			line, err := secrets.NewKeyLine(p, id)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), line)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&purposes, "purpose", nil, "what the key is for: pseudonym, event, dlq or alert (several, comma-separated, with --dir)")
	f.StringVar(&id, "id", "", "the key's id (default: the purpose's letter and today's date, e.g. p20261201)")
	f.StringVar(&out, "out", "", "write a new ring file (0600); an existing file is never replaced")
	f.StringVar(&appendTo, "append", "", "add a new current key to the ring file FILE, keeping the old ones (rotation)")
	f.StringVar(&dir, "dir", "", "write DIR/<purpose>.keys for each purpose (DIR made 0700 if missing)")
	f.BoolVar(&ifAbsent, "if-absent", false, "with --out or --dir: keep a file already there if the pipeline accepts its ring")
	return cmd
}

// writeRing writes a new ring file; with ifAbsent, an existing one is kept when it holds a
// ring the pipeline accepts, and refused with the reason otherwise.
func writeRing(stderr io.Writer, path string, p secrets.Purpose, id string, ifAbsent bool) error {
	newID, err := secrets.CreateRingFile(path, p, id)
	switch {
	case err == nil:
		fmt.Fprintf(stderr, "wrote %s key %s to %s (0600): set %s_FILE=%s\n", p.Name, newID, path, p.Env, path)
		return nil
	case ifAbsent && errors.Is(err, secrets.ErrExists):
		if _, lerr := secrets.LoadKeyRing(map[string]string{p.Env + "_FILE": path}, p.Env, p.Size); lerr != nil {
			return fmt.Errorf("%s is there but unusable: %w", path, lerr)
		}
		if st, serr := os.Stat(path); serr == nil && st.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(stderr, "warning: %s can be read by others (mode %04o): chmod 600 it\n", path, st.Mode().Perm())
		}
		fmt.Fprintf(stderr, "kept %s: it holds a %s ring\n", path, p.Name)
		return nil
	default:
		return err
	}
}
