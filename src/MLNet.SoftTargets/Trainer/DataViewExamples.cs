using Microsoft.ML;
using MLNet.SoftTargets.Engine;

namespace MLNet.SoftTargets;

/// <summary>
/// The training (or validation) examples of an ML.NET data view, as the engine reads them: each pass opens a cursor
/// over the columns <see cref="ExampleReader"/> needs and reads rows into the engine's buffers.
/// </summary>
internal sealed class DataViewExamples(IDataView data, TrainingSchema schema, string description) : IExampleSource
{
    public int FeatureCount => schema.FeatureCount;

    public int ClassCount => schema.ClassCount;

    public bool CanShuffle => data.CanShuffle;

    public string Description => description;

    public IExamplePass Open(Random? shuffle) => new Pass(data.GetRowCursor(ExampleReader.Columns(data.Schema, schema.Options), shuffle), schema);

    private sealed class Pass(DataViewRowCursor cursor, TrainingSchema schema) : IExamplePass
    {
        private readonly ExampleReader _reader = new(cursor, schema);

        public long SkippedRows { get; private set; }

        public bool TryRead(Span<float> features, Span<float> target, out float weight)
        {
            while (cursor.MoveNext())
            {
                if (_reader.Read(features, target, out weight))
                    return true;
                SkippedRows++;
            }
            weight = 0;
            return false;
        }

        public void Dispose() => cursor.Dispose();
    }
}
