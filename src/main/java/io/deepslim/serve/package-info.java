/**
 * {@code deepslim serve}: an HTTP service over one {@link io.deepslim.api.Detector} on the JDK's built-in
 * server (module jdk.httpserver), with request-size limits, timeouts, a bounded worker pool,
 * back-pressure and graceful shutdown; and a bounded loopback load test.
 */
package io.deepslim.serve;
