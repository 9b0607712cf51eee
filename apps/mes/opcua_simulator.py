"""A simulated OPC UA machine (asyncua server) for the OPC UA path of the gateway: the demo and the tests.

Namespace `urn:millwright:simulator`, one object per machine with the variables State (String:
running/idle/down), Reason (String) and the counters Good and Scrap (UInt32, only growing). Node ids are strings:
`ns=<idx>;s=<machine>.State` and so on (`node_ids`)."""

import asyncio
import logging
import random

logger = logging.getLogger("millwright.simulator.opcua")
NAMESPACE = "urn:millwright:simulator"
DEFAULT_ENDPOINT = "opc.tcp://127.0.0.1:4840/millwright/"


class SimulatedOpcUaServer:
    """An asyncua server with one object per machine; `set_state`/`add_parts` change its variables."""

    def __init__(self, endpoint: str = DEFAULT_ENDPOINT, machines: tuple[str, ...] = ("M1",)):
        self.endpoint, self.machine_names = endpoint, machines
        self.server = None
        self.namespace = None
        self.variables: dict[str, dict] = {}

    def node_ids(self, machine: str) -> dict[str, str]:
        """The node ids to put on the equipment: state, reason, good, scrap."""
        return {role: f"ns={self.namespace};s={machine}.{role.capitalize()}"
                for role in ("state", "reason", "good", "scrap")}

    async def start(self) -> "SimulatedOpcUaServer":
        from asyncua import Server, ua

        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name("Millwright simulated machines")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self.namespace = await server.register_namespace(NAMESPACE)
        for name in self.machine_names:
            machine = await server.nodes.objects.add_object(f"ns={self.namespace};s={name}", name)
            variables = {}
            for role, value, kind in (("state", "idle", ua.VariantType.String),
                                      ("reason", "", ua.VariantType.String),
                                      ("good", 0, ua.VariantType.UInt32), ("scrap", 0, ua.VariantType.UInt32)):
                node_id = f"ns={self.namespace};s={name}.{role.capitalize()}"
                variables[role] = await machine.add_variable(node_id, role.capitalize(), ua.Variant(value, kind))
            self.variables[name] = variables
        await server.start()
        self.server = server
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()

    async def set_state(self, machine: str, state: str, reason: str = "") -> None:
        from asyncua import ua

        await self.variables[machine]["reason"].write_value(ua.Variant(reason, ua.VariantType.String))
        await self.variables[machine]["state"].write_value(ua.Variant(state, ua.VariantType.String))

    async def add_parts(self, machine: str, good: int = 0, scrap: int = 0) -> None:
        from asyncua import ua

        for role, increment in (("good", good), ("scrap", scrap)):
            if increment:
                node = self.variables[machine][role]
                value = await node.read_value()
                await node.write_value(ua.Variant(value + increment, ua.VariantType.UInt32))


async def simulate(server: SimulatedOpcUaServer, stop: asyncio.Event, *, seed: int | None = None) -> None:
    """Cycles, parts and stops on every machine of the server, until `stop`."""
    rng = random.Random(seed)
    for name in server.machine_names:
        await server.set_state(name, "running")
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(2, 6))
        name = rng.choice(server.machine_names)
        if rng.random() < 0.05:
            await server.set_state(name, "down", rng.choice(["FAULT", "JAM"]))
            await asyncio.sleep(rng.uniform(10, 30))
            await server.set_state(name, "running")
        else:
            await server.add_parts(name, good=1 if rng.random() > 0.03 else 0, scrap=1 if rng.random() < 0.03 else 0)


def serve_forever(*, endpoint: str = DEFAULT_ENDPOINT, stdout=None) -> None:
    """Serve one simulated machine `M1` until interrupted (the node ids are printed for the equipment form)."""

    async def main() -> None:
        server = await SimulatedOpcUaServer(endpoint).start()
        if stdout is not None:
            stdout.write(f"OPC UA machine M1 at {endpoint}: {server.node_ids('M1')}\n")
            stdout.flush()
        stop = asyncio.Event()
        try:
            await simulate(server, stop)
        finally:
            await server.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
