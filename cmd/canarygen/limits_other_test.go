//go:build !linux

package main

const peakEnv = "CANARYGEN_TEST_PEAK_FILE"
