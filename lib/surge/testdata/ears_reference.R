# Reference fixtures for Vigía's EARS implementation, made with the R package surveillance
# (Debian r-cran-surveillance). Run from the repository root:
#   Rscript lib/surge/testdata/ears_reference.R
# It derives monthly total series from the region's real data (region/), writes them to
# series/<name>.csv (t,n), runs earsC C1, C2 and C3 with surveillance's defaults and writes
# every judged month to ears_reference.csv. The Go tests must give the same alarms and bounds.
suppressPackageStartupMessages(library(surveillance))
dir <- "lib/surge/testdata"
region <- "data/region"
rd <- function(f) read.csv(file.path(region, f), stringsAsFactors = FALSE)
monthly <- function(d) { a <- aggregate(n ~ t, data = d, FUN = sum); a[order(a$t), ] }
series <- list(
  honduras_transit   = monthly(rd("irreg_honduras.csv")),
  # Darién rows before 2020 are yearly totals and Apr, May, Jul 2020 are missing: from 2020-08.
  darien_transit     = subset(monthly(rd("irreg_darien_nat.csv")), t >= "2020-08"),
  mexico_presented   = monthly(rd("irreg_mexico_nat.csv")),
  guatemala_returned = monthly(rd("irreg_guatemala.csv")),
  mexico_returns_hnd = monthly(subset(rd("irreg_mexico_exp.csv"), nat == "HND"))
)
out <- NULL
for (name in names(series)) {
  s <- series[[name]]
  months <- seq(as.Date(paste0(s$t[1], "-01")), by = "month", length.out = nrow(s))
  if (!identical(format(months, "%Y-%m"), s$t)) stop(paste("series", name, "has a gap"))
  write.csv(s, file.path(dir, "series", paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  start <- as.integer(strsplit(s$t[1], "-")[[1]])
  st <- sts(observed = matrix(s$n, ncol = 1), start = start, frequency = 12)
  for (m in c("C1", "C2", "C3")) {
    r <- earsC(st, control = list(method = m))
    idx <- (nrow(s) - nrow(observed(r)) + 1):nrow(s)
    out <- rbind(out, data.frame(series = name, method = m, t = s$t[idx], observed = s$n[idx],
                                 upper = format(upperbound(r)[, 1], digits = 17),
                                 alarm = alarms(r)[, 1]))
  }
}
write.csv(out, file.path(dir, "ears_reference.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("surveillance %s: %d judged months, %d alarms\n", packageVersion("surveillance"),
            nrow(out), sum(out$alarm, na.rm = TRUE)))
