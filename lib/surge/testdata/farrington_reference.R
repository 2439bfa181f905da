# Reference alarms of surveillance::farringtonFlexible on the same monthly series as
# ears_reference.R (run that first). Run from the repository root:
#   Rscript lib/surge/testdata/farrington_reference.R
# Writes farrington_reference.csv: series,t,observed,upper,alarm for every judged month.
# Control: 3 past years, a window of +-1 month, surveillance's defaults otherwise (alpha 0.05,
# reweighting, trend when significant), pastWeeksNotIncluded = 1 month.
suppressPackageStartupMessages(library(surveillance))
dir <- "lib/surge/testdata"
region <- "data/region"
out <- NULL
for (f in list.files(file.path(dir, "series"), pattern = "\\.csv$")) {
  s <- read.csv(file.path(dir, "series", f), stringsAsFactors = FALSE)
  start <- as.integer(strsplit(s$t[1], "-")[[1]])
  st <- sts(observed = matrix(s$n, ncol = 1), start = start, frequency = 12)
  first <- 3 * 12 + 1 + 1
  if (nrow(s) < first) next
  r <- farringtonFlexible(st, control = list(range = first:nrow(s), b = 3, w = 1,
                                             pastWeeksNotIncluded = 1))
  idx <- first:nrow(s)
  out <- rbind(out, data.frame(series = sub("\\.csv$", "", f), t = s$t[idx], observed = s$n[idx],
                               upper = format(upperbound(r)[, 1], digits = 17), alarm = alarms(r)[, 1]))
}
write.csv(out, file.path(dir, "farrington_reference.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("farringtonFlexible: %d judged months, %d alarms\n", nrow(out), sum(out$alarm, na.rm = TRUE)))
