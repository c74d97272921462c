/**
 * The embeddable detector: {@link io.deepslim.api.Detector} loads any deepslim model file and
 * classifies images (real or fake) from any number of threads. Depends on the engine only (no CLI
 * libraries), so an application needs just the engine jar and its runtime dependencies.
 */
package io.deepslim.api;
