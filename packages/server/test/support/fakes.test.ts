import { runBlobStoreContract } from "../storage/blob/blob-store.contract.ts";
import { runIndexContract } from "../storage/index/index.contract.ts";
import { FakeBlobStore, FakeIndex } from "./fakes.ts";

// The fakes drive every app test, so they must behave like the real stores: same contracts.
runBlobStoreContract("FakeBlobStore", { create: async () => new FakeBlobStore(), partSize: 64 * 1024 });
runIndexContract("FakeIndex", {
  open: async () => new FakeIndex(),
  reopen: async (index) => {
    await index.close();
    return (index as FakeIndex).reopen();
  },
});
