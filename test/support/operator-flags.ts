// The `devo-collector-operator run` flags every test and benchmark starts the operator with: its
// kubeconfig, and the metrics and health server on a free loopback port (the port is read from its log).

export function operatorRunFlags(kubeconfig: string, ...more: string[]): string[] {
  return ['--kubeconfig', kubeconfig, '--metrics-port', '0', '--metrics-host', '127.0.0.1', ...more];
}
