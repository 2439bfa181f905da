# Reference alarms of R's surveillance methods for `vigia evaluate` and TestEvaluation, on the
# monthly series the evaluation scores (Debian r-cran-surveillance 1.20.3). Run from the
# repository root, after ears_reference.R (which writes the five total series):
#   Rscript lib/surge/testdata/evaluation_reference.R
# It derives the nationality series from the region's real data (data/region; sums per month,
# months without a row are 0, nothing else), writes them to series/<name>.csv (t,n), runs
#   - earsC C1 (surveillance's defaults: baseline 7, alpha 0.001),
#   - farringtonFlexible with Noufaily et al. (2013)'s settings (b = 3 years, w = 1, all
#     months in a 10-level seasonal factor, reweighting above 2.58, negative binomial
#     threshold, alpha 0.01), and
#   - glrnb, surveillance's negative binomial GLR detector (in-control mean fitted on the
#     series' first year, overdispersion estimated, c.ARL 5, increases only),
# on every series from its 13th month, and writes every judged month to
# evaluation_reference.csv: method,series,t,alarm.
suppressPackageStartupMessages(library(surveillance))
dir <- "lib/surge/testdata"
region <- "data/region"
rd <- function(f) read.csv(file.path(region, f), stringsAsFactors = FALSE)
# monthly: the sum per month over every month from `from` to the file's last month (a month
# the file has no row for, as Honduras' 2020 lockdown months, is 0).
monthly <- function(d, all, from = min(all$t)) {
  months <- format(seq(as.Date(paste0(from, "-01")), as.Date(paste0(max(all$t), "-01")), by = "month"), "%Y-%m")
  n <- sapply(months, function(m) sum(d$n[d$t == m]))
  data.frame(t = months, n = n)
}
dar <- rd("irreg_darien_nat.csv"); hon <- rd("irreg_honduras_nat.csv"); mex <- rd("irreg_mexico_nat.csv")
nat <- list(
  darien_hti = monthly(subset(dar, nat == "HTI"), dar, "2020-08"),
  darien_ven = monthly(subset(dar, nat == "VEN"), dar, "2020-08"),
  darien_ecu = monthly(subset(dar, nat == "ECU"), dar, "2020-08"),
  darien_chn = monthly(subset(dar, nat == "CHN"), dar, "2020-08"),
  honduras_hti = monthly(subset(hon, nat == "HTI"), hon),
  honduras_ven = monthly(subset(hon, nat == "VEN"), hon),
  honduras_cub = monthly(subset(hon, nat == "CUB"), hon),
  honduras_ecu = monthly(subset(hon, nat == "ECU"), hon),
  mexico_presented_hnd = monthly(subset(mex, nat == "HND"), mex),
  mexico_presented_hti = monthly(subset(mex, nat == "HTI"), mex),
  mexico_presented_ven = monthly(subset(mex, nat == "VEN"), mex),
  mexico_presented_cub = monthly(subset(mex, nat == "CUB"), mex)
)
for (name in names(nat)) {
  s <- nat[[name]]
  months <- seq(as.Date(paste0(s$t[1], "-01")), by = "month", length.out = nrow(s))
  if (!identical(format(months, "%Y-%m"), s$t)) stop(paste("series", name, "has a gap"))
  write.csv(s, file.path(dir, "series", paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
}
out <- NULL
for (f in sort(list.files(file.path(dir, "series"), pattern = "\\.csv$"))) {
  name <- sub("\\.csv$", "", f)
  s <- read.csv(file.path(dir, "series", f), stringsAsFactors = FALSE)
  start <- as.integer(strsplit(s$t[1], "-")[[1]])
  st <- sts(observed = matrix(s$n, ncol = 1), start = start, frequency = 12)
  add <- function(method, idx, alarm) {
    out <<- rbind(out, data.frame(method = method, series = name, t = s$t[idx], alarm = alarm))
  }
  r <- earsC(st, control = list(method = "C1"))
  add("C1 (R earsC fixture)", (nrow(s) - nrow(observed(r)) + 1):nrow(s), alarms(r)[, 1])
  first <- 3 * 12 + 1 + 1
  if (nrow(s) >= first) {
    r <- farringtonFlexible(st, control = list(range = first:nrow(s), b = 3, w = 1, noPeriods = 10,
      pastWeeksNotIncluded = 1, weightsThreshold = 2.58, pThresholdTrend = 1,
      thresholdMethod = "nbPlugin", alpha = 0.01))
    add("noufaily (R farringtonFlexible)", first:nrow(s), alarms(r)[, 1])
  }
  r <- glrnb(st, control = list(range = 13:nrow(s), c.ARL = 5, mu0 = list(S = 1, trend = FALSE),
    alpha = NULL, dir = "inc", ret = "value"))
  add("glrnb (R)", 13:nrow(s), alarms(r)[, 1])
}
write.csv(out, file.path(dir, "evaluation_reference.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("surveillance %s: %d judged series-months, %d alarms\n", packageVersion("surveillance"),
            nrow(out), sum(out$alarm, na.rm = TRUE)))
