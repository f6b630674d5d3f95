"""LangChain's own PGVector code, driven by the tests (test/integration/langchain-socket.test.ts).

Both table layouts LangChain has used:
  postgres   langchain_postgres.vectorstores.PGVector   (langchain_pg_embedding.id varchar)
  community  langchain_community.vectorstores.PGVector  (uuid primary key + custom_id)

  langchain_pgvector.py fill LAYOUT URL COLLECTION COUNT DIM [PREFIX]   adds COUNT documents PREFIXdoc-0 …
  (ids are one namespace across collections in the langchain-postgres layout)
  langchain_pgvector.py search LAYOUT URL COLLECTION QUERY K DIM REPEAT
  langchain_pgvector.py psycopg - CONNINFO       plain psycopg clients repeating queries (they prepare them)
Prints JSON. Embeddings are LangChain's DeterministicFakeEmbedding (the same text, the same vector).
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")  # the community class is deprecated; it is what older apps use

from langchain_core.embeddings import DeterministicFakeEmbedding


def store(layout, url, collection, dim):
    embeddings = DeterministicFakeEmbedding(size=dim)
    if layout == "postgres":
        from langchain_postgres.vectorstores import PGVector

        return PGVector(embeddings=embeddings, collection_name=collection, connection=url, use_jsonb=True)
    if layout == "community":
        from langchain_community.vectorstores.pgvector import PGVector

        return PGVector(
            connection_string=url, embedding_function=embeddings, collection_name=collection, use_jsonb=True
        )
    raise SystemExit(f"unknown layout {layout}")


def psycopg_clients(conninfo):
    """Three connections at once, each repeating its queries past psycopg's prepare threshold
    (5): every connection names its statements _pg3_0, _pg3_1, … Then one evicts from a small
    prepared cache (psycopg sends DEALLOCATE) and one disconnects."""
    import psycopg

    conns = [psycopg.connect(conninfo, autocommit=True) for _ in range(3)]
    for i in range(8):
        for k, c in enumerate(conns):
            assert c.execute("SELECT %s::int * %s::int", (i, k + 2)).fetchone()[0] == i * (k + 2)
    conns[1].prepared_max = 2
    for i in range(6):
        for q in ("SELECT %s::int + 1", "SELECT %s::int + 2", "SELECT %s::int + 3"):
            for _ in range(6):
                conns[1].execute(q, (i,)).fetchone()
    count = "SELECT count(*) FROM pg_prepared_statements"
    before = conns[2].execute(count).fetchone()[0]
    conns[0].close()
    import time

    for _ in range(50):
        after = conns[2].execute(count).fetchone()[0]
        if after < before:
            break
        time.sleep(0.02)
    return {"before_close": before, "after_close": after}


def main(argv):
    if argv[1] == "psycopg":
        print(json.dumps(psycopg_clients(argv[3])))
        return
    command, layout, url, collection = argv[1:5]
    if command == "fill":
        count, dim = int(argv[5]), int(argv[6])
        s = store(layout, url, collection, dim)
        prefix = argv[7] if len(argv) > 7 else ""
        ids = [f"{prefix}doc-{i}" for i in range(count)]
        s.add_texts([f"document {i} about topic {i % 7}" for i in range(count)],
                    metadatas=[{"i": i, "topic": i % 7} for i in range(count)], ids=ids)
        print(json.dumps({"added": len(ids)}))
    elif command == "search":
        query, k, dim, repeat = argv[5], int(argv[6]), int(argv[7]), int(argv[8])
        s = store(layout, url, collection, dim)
        # Repeated, so that psycopg prepares the statements (after 5 executions by default).
        answers = [[d.metadata.get("i", d.id) for d in s.similarity_search(query, k=k)] for _ in range(repeat)]
        print(json.dumps({"answers": answers}))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
