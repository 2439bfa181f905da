// Package region holds the region's real monthly migration statistics (see PROVENANCE.md and
// README.md beside it), embedded once for the replay, the backtests and the demo.
package region

import "embed"

// FS holds the CSV files by their base names (irreg_darien_nat.csv, ...).
//
//go:embed irreg_*.csv
var FS embed.FS
