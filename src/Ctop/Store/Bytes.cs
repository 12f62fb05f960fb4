using System.Buffers.Binary;
using System.Text;

namespace Ctop.Store;

/// <summary>A growable byte buffer with LEB128 varints (zigzag for signed), reused record after record.</summary>
internal sealed class ByteSink
{
    private byte[] _buffer = new byte[64 * 1024];

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);
    public void Clear() => Length = 0;

    private Span<byte> Take(int n)
    {
        if (Length + n > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + n));
        var s = _buffer.AsSpan(Length, n);
        Length += n;
        return s;
    }

    public void Byte(byte b) => Take(1)[0] = b;

    public void VarU(ulong v)
    {
        while (v >= 0x80)
        {
            Byte((byte)(v | 0x80));
            v >>= 7;
        }
        Byte((byte)v);
    }

    public void VarS(long v) => VarU((ulong)((v << 1) ^ (v >> 63)));

    public void Bytes(ReadOnlySpan<byte> b) => b.CopyTo(Take(b.Length));

    public void Double(double d) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), BitConverter.DoubleToInt64Bits(d));

    public void Utf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        VarU((ulong)n);
        Encoding.UTF8.GetBytes(s, Take(n));
    }
}

/// <summary>Reads what <see cref="ByteSink"/> wrote; anything out of bounds or malformed is a <see cref="StoreFormatException"/>.</summary>
internal ref struct ByteSource(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool End => _pos >= _data.Length;

    public byte Byte()
    {
        if (_pos >= _data.Length) throw new StoreFormatException("record ends early");
        return _data[_pos++];
    }

    public ulong VarU()
    {
        ulong v = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = Byte();
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
        throw new StoreFormatException("varint too long");
    }

    public long VarS()
    {
        ulong u = VarU();
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    public int Count(int max)
    {
        ulong n = VarU();
        if (n > (ulong)max) throw new StoreFormatException($"count {n} exceeds {max}");
        return (int)n;
    }

    public double Double()
    {
        if (_pos + 8 > _data.Length) throw new StoreFormatException("record ends early");
        double d = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(_data.Slice(_pos, 8)));
        _pos += 8;
        return d;
    }

    public string Utf8()
    {
        int n = Count(1 << 20);
        if (_pos + n > _data.Length) throw new StoreFormatException("record ends early");
        var s = Encoding.UTF8.GetString(_data.Slice(_pos, n));
        _pos += n;
        return s;
    }
}

/// <summary>A store file or record that is not what the format says: a torn write, a flipped bit, a foreign file.</summary>
public sealed class StoreFormatException(string message) : Exception(message);
