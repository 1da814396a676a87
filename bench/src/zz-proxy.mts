import { startDelayProxy } from "./delay-proxy.ts";
const [target, rtt, mbits, listenFile] = process.argv.slice(2);
const p = await startDelayProxy(Number(target), Number(rtt), mbits ? Number(mbits) : undefined);
console.log(p.port);
process.on("SIGUSR2", () => console.log(JSON.stringify(p.traffic())));
