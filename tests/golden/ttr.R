# Golden indicator values from R's TTR package: an independent implementation
# the TypeScript indicators in workers/features/indicators/ are checked against
# (tests/indicators/golden.test.ts). CI has no R, so the CSVs are committed.
#
# Regenerate (from the repository root; Debian/Ubuntu):
#   apt-get install -y r-base-core r-cran-ttr
#   Rscript tests/golden/ttr.R
# Writes tests/golden/ttr-eurusd.csv and tests/golden/ttr-goog.csv. Generated
# with TTR 0.24.3 on R 4.2.2 (Debian bookworm).
#
# Every column is named like TradeGuard's output column and is already in
# TradeGuard's scale; the conversions from TTR's own scale are the lines marked
# "scale:". Values are written with 12 significant digits (rounding 5e-13,
# far below the tests' 1e-9 tolerance) ("NA" = warm-up).

suppressPackageStartupMessages(library(TTR))

# The script may be run from the repository root or from tests/golden.
root <- if (file.exists("public/data/EURUSD.csv")) "." else file.path("..", "..")

golden <- function(src, dst) {
  d <- read.csv(file.path(root, "public", "data", src), check.names = FALSE)
  hlc <- cbind(d$High, d$Low, d$Close)
  cl <- d$Close
  out <- list()

  out$sma_20 <- SMA(cl, 20)
  out$ema_9 <- EMA(cl, 9)
  out$ema_50 <- EMA(cl, 50)
  out$rsi_14 <- RSI(cl, 14)
  out$rsi_2 <- RSI(cl, 2)
  out$atr_14 <- ATR(hlc, 14)[, "atr"]

  m <- MACD(cl, 12, 26, 9, maType = "EMA", percent = FALSE)
  out$macd_12_26_9 <- m[, "macd"]
  out$macd_signal_12_26_9 <- m[, "signal"]
  out$macd_hist_12_26_9 <- m[, "macd"] - m[, "signal"]
  m <- MACD(cl, 5, 35, 5, maType = "EMA", percent = FALSE)
  out$macd_5_35_5 <- m[, "macd"]
  out$macd_signal_5_35_5 <- m[, "signal"]
  out$macd_hist_5_35_5 <- m[, "macd"] - m[, "signal"]

  for (p in list(c(20, 2), c(10, 1.5))) {
    b <- BBands(cl, n = p[1], maType = "SMA", sd = p[2])
    sfx <- paste(p, collapse = "_")
    out[[paste0("bb_upper_", sfx)]] <- b[, "up"]
    out[[paste0("bb_middle_", sfx)]] <- b[, "mavg"]
    out[[paste0("bb_lower_", sfx)]] <- b[, "dn"]
    out[[paste0("bb_pctb_", sfx)]] <- b[, "pctB"]
    out[[paste0("bb_width_", sfx)]] <- (b[, "up"] - b[, "dn"]) / b[, "mavg"]
  }

  # TTR's fastD is the slow stochastic's %K, its slowD the slow %D.
  for (p in list(c(14, 3, 3), c(5, 3, 2))) {
    s <- stoch(hlc, nFastK = p[1], nFastD = p[2], nSlowD = p[3], maType = "SMA")
    sfx <- paste(p, collapse = "_")
    out[[paste0("stoch_k_", sfx)]] <- 100 * s[, "fastD"] # scale: TTR 0..1 -> 0..100
    out[[paste0("stoch_d_", sfx)]] <- 100 * s[, "slowD"] # scale: TTR 0..1 -> 0..100
  }

  for (n in c(14, 7)) {
    a <- ADX(hlc, n)
    out[[paste0("adx_", n)]] <- a[, "ADX"]
    out[[paste0("plus_di_", n)]] <- a[, "DIp"]
    out[[paste0("minus_di_", n)]] <- a[, "DIn"]
  }

  out$roc_10 <- 100 * ROC(cl, 10, type = "discrete") # scale: fraction -> percent
  out$cci_20 <- CCI(hlc, 20)
  out$willr_14 <- -100 * WPR(hlc, 14) # scale: TTR 0 (at high)..1 -> -100..0 (0 at high)
  # MFI classifies each bar by whether the typical price rose, fell or stayed.
  # Bars whose decimal typical prices are equal can differ by an ulp in floating
  # point (R's long-double mean and a double (H+L+C)/3 break different ties), so
  # TradeGuard treats changes below 1e-12 relative as "unchanged". Snapping the
  # typical price to 12 significant digits before TTR's MFI applies the same
  # rule here; the flows it changes by <= 5e-13 are far inside the tolerance.
  tp <- signif(rowMeans(hlc), 12)
  out$mfi_14 <- MFI(tp, d$Volume, 14)
  out$obv <- OBV(cl, d$Volume)
  out$highest_20 <- runMax(d$High, 20)
  out$lowest_20 <- runMin(d$Low, 20)
  out$stddev_20 <- runSD(cl, 20, sample = FALSE)

  cols <- lapply(out, function(v) {
    v <- as.numeric(v)
    ifelse(is.na(v), "NA", sprintf("%.12g", v))
  })
  tab <- as.data.frame(cols, check.names = FALSE, stringsAsFactors = FALSE)
  write.csv(tab, file.path(root, "tests", "golden", dst), row.names = FALSE, quote = FALSE)
}

golden("EURUSD.csv", "ttr-eurusd.csv")
golden("GOOG.csv", "ttr-goog.csv")
