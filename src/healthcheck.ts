// The image's HEALTHCHECK (`node dist/healthcheck.js`): exit 0 when /healthz answers 200 on the health
// port serve uses (src/serve/settings.ts): HEALTH_PORT when it is a port, else PORT, else 3000. No curl
// in the slim image, and nothing of shareguard's to load: it must stay cheap every 30 seconds.
const env = process.env;
const healthPort = env.HEALTH_PORT && /^\d+$/.test(env.HEALTH_PORT) ? env.HEALTH_PORT : undefined;
const port = healthPort ?? (env.PORT && /^\d+$/.test(env.PORT) ? env.PORT : '3000');

if (env.HEALTH_PORT === 'off' && env.SLACK_APP_TOKEN) {
  process.stderr.write('HEALTH_PORT=off: nothing to check (run the container with --no-healthcheck)\n');
  process.exitCode = 1;
} else {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(4_000) });
    process.stdout.write(`${res.status} ${await res.text()}\n`);
    process.exitCode = res.status === 200 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`/healthz on port ${port}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
