using System.Buffers.Binary;
using System.Text;

namespace MLNet.SoftTargets.TrainStep;

/// <summary>What <see cref="ElfVersionNeedPatcher.MarkWeak"/> found and did.</summary>
public enum VersionNeedPatchOutcome
{
    /// <summary>The version need was strong and is now marked weak (the file was rewritten).</summary>
    Patched,

    /// <summary>The version need is already weak: nothing was written (the patch is idempotent).</summary>
    AlreadyWeak,

    /// <summary>The file does not ask for that version of that library: nothing to do.</summary>
    NotReferenced,
}

/// <summary>
/// Marks one entry of an ELF64 shared object's version-needs table (<c>.gnu.version_r</c>) as weak.
/// </summary>
/// <remarks>
/// <para>
/// Why: TorchSharp 0.107's native wrapper <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and
/// so records that it needs the symbol version <c>GLIBCXX_3.4.32</c> of <c>libstdc++.so.6</c>. The only symbol
/// bound to that version is <c>std::ios_base_library_init()</c>, a marker GCC 13 references from every file that
/// includes &lt;iostream&gt; and that no relocation ever uses. Debian 12's libstdc++ stops at
/// <c>GLIBCXX_3.4.30</c>, so <c>dlopen</c> fails ("version `GLIBCXX_3.4.32' not found"), and TorchSharp reports
/// this as a misleading "doesn't contain a reference to libtorch-cpu-linux-x64".
/// </para>
/// <para>
/// The dynamic loader checks every version need of a library when it maps it; a missing version is fatal
/// unless that need carries <c>VER_FLG_WEAK</c> (0x2), in which case glibc only notes it. Setting that one
/// bit on the <c>GLIBCXX_3.4.32</c> entry lets the library load; the other needs (3.4.30 and older, which this
/// libstdc++ has) are still checked. The file's size and layout do not change: two bytes are rewritten.
/// </para>
/// <para>
/// Safety: only ever patch a copy in an application's own build output, never the file in the NuGet cache.
/// The patched file is written next to the original and then renamed over it, so a hard link into the cache
/// (MSBuild can hard-link copy-local files) is broken rather than written through, and a process that has the
/// old file mapped keeps seeing the old bytes.
/// </para>
/// <para>
/// Layout read here (all little-endian, ELF64; see the System V gABI and the LSB "Symbol Versioning" chapter):
/// <code>
/// Elf64_Ehdr: e_ident[16] ... e_shoff @0x28 (u64), e_shentsize @0x3A (u16), e_shnum @0x3C (u16), e_shstrndx @0x3E (u16)
/// Elf64_Shdr (64 bytes): sh_name @0 (u32), sh_type @4 (u32), sh_offset @24 (u64), sh_size @32 (u64), sh_link @40 (u32), sh_info @44 (u32)
/// Elf64_Verneed (16 bytes): vn_version @0 (u16), vn_cnt @2 (u16), vn_file @4 (u32), vn_aux @8 (u32), vn_next @12 (u32)
/// Elf64_Vernaux (16 bytes): vna_hash @0 (u32), vna_flags @4 (u16), vna_other @6 (u16), vna_name @8 (u32), vna_next @12 (u32)
/// </code>
/// <c>.gnu.version_r</c> holds <c>sh_info</c> Verneed records, one per needed library, chained by
/// <c>vn_next</c> (a byte offset from the current record, 0 = last); each has <c>vn_cnt</c> Vernaux records,
/// starting <c>vn_aux</c> bytes after it and chained by <c>vna_next</c>. <c>vn_file</c> and <c>vna_name</c> are
/// offsets into the string table named by the section's <c>sh_link</c> (<c>.dynstr</c>).
/// </para>
/// </remarks>
public static class ElfVersionNeedPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe; // SHT_GNU_verneed, the type of .gnu.version_r
    private const ushort VerFlgWeak = 0x2;         // VER_FLG_WEAK in vna_flags
    private const int VernauxFlagsOffset = 4;

    /// <summary>
    /// Marks the need for symbol version <paramref name="versionName"/> of library <paramref name="libraryName"/>
    /// in the ELF64 file at <paramref name="path"/> weak. Idempotent.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a little-endian ELF64 file or its tables are malformed.</exception>
    public static VersionNeedPatchOutcome MarkWeak(string path, string libraryName, string versionName)
    {
        byte[] image = File.ReadAllBytes(path);
        long flagsOffset = FindVernauxFlagsOffset(image, libraryName, versionName);
        if (flagsOffset < 0)
            return VersionNeedPatchOutcome.NotReferenced;

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)flagsOffset));
        if ((flags & VerFlgWeak) != 0)
            return VersionNeedPatchOutcome.AlreadyWeak;

        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan((int)flagsOffset), (ushort)(flags | VerFlgWeak));

        // Write a sibling file and rename it over the original (see the remarks: never write through a link).
        string temp = path + ".weak-" + Environment.ProcessId + ".tmp";
        try
        {
            File.WriteAllBytes(temp, image);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
        return VersionNeedPatchOutcome.Patched;
    }

    /// <summary>True when the version need exists and is already weak (used to verify a patch).</summary>
    public static bool IsWeak(string path, string libraryName, string versionName)
    {
        byte[] image = File.ReadAllBytes(path);
        long flagsOffset = FindVernauxFlagsOffset(image, libraryName, versionName);
        return flagsOffset >= 0
            && (BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan((int)flagsOffset)) & VerFlgWeak) != 0;
    }

    /// <summary>
    /// The file offset of <c>vna_flags</c> of the Vernaux record for <paramref name="versionName"/> under the
    /// Verneed record for <paramref name="libraryName"/>, or -1 when there is none.
    /// </summary>
    private static long FindVernauxFlagsOffset(byte[] image, string libraryName, string versionName)
    {
        ReadOnlySpan<byte> elf = image;

        // --- ELF header ---------------------------------------------------------------------------------------
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2) // EI_CLASS: ELFCLASS64
            throw new InvalidDataException("not an ELF64 file");
        if (elf[5] != 1) // EI_DATA: ELFDATA2LSB
            throw new InvalidDataException("not a little-endian ELF file");

        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        if (shoff == 0 || shnum == 0)
            throw new InvalidDataException("the ELF file has no section headers");
        if (shentsize < 64 || shoff + (ulong)shentsize * shnum > (ulong)elf.Length)
            throw new InvalidDataException("the section header table lies outside the file");

        // --- Section headers: find .gnu.version_r (by type: SHT_GNU_verneed; there is at most one) -------------
        Section? verneed = null;
        for (int i = 0; i < shnum; i++)
        {
            var section = Section.Read(elf, (int)shoff + i * shentsize);
            if (section.Type == ShtGnuVerneed)
            {
                verneed = section;
                break;
            }
        }
        if (verneed is not { } vr)
            return -1; // no version needs at all

        if (vr.Link >= shnum)
            throw new InvalidDataException(".gnu.version_r links to a string table that does not exist");
        var strtab = Section.Read(elf, (int)shoff + (int)vr.Link * shentsize);
        CheckInside(elf, vr.Offset, vr.Size, ".gnu.version_r");
        CheckInside(elf, strtab.Offset, strtab.Size, "the version string table");

        // --- Walk Verneed records and their Vernaux records --------------------------------------------------
        long needAt = (long)vr.Offset;
        long needEnd = (long)(vr.Offset + vr.Size);
        for (uint n = 0; n < vr.Info; n++)
        {
            if (needAt + 16 > needEnd)
                throw new InvalidDataException("a Verneed record runs past .gnu.version_r");
            var need = elf[(int)needAt..];
            ushort count = BinaryPrimitives.ReadUInt16LittleEndian(need[2..]);
            uint file = BinaryPrimitives.ReadUInt32LittleEndian(need[4..]);
            uint aux = BinaryPrimitives.ReadUInt32LittleEndian(need[8..]);
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(need[12..]);

            if (ReadString(elf, strtab, file) == libraryName)
            {
                long auxAt = needAt + aux;
                for (int a = 0; a < count; a++)
                {
                    if (auxAt + 16 > needEnd)
                        throw new InvalidDataException("a Vernaux record runs past .gnu.version_r");
                    var vernaux = elf[(int)auxAt..];
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(vernaux[8..]);
                    if (ReadString(elf, strtab, name) == versionName)
                        return auxAt + VernauxFlagsOffset;
                    uint auxNext = BinaryPrimitives.ReadUInt32LittleEndian(vernaux[12..]);
                    if (auxNext == 0)
                        break;
                    auxAt += auxNext;
                }
            }

            if (next == 0)
                break;
            needAt += next;
        }
        return -1;
    }

    private static void CheckInside(ReadOnlySpan<byte> elf, ulong offset, ulong size, string what)
    {
        if (offset > (ulong)elf.Length || size > (ulong)elf.Length - offset)
            throw new InvalidDataException($"{what} lies outside the file");
    }

    private static string ReadString(ReadOnlySpan<byte> elf, Section strtab, uint offset)
    {
        if (offset >= strtab.Size)
            throw new InvalidDataException("a version string offset lies outside its string table");
        var bytes = elf.Slice((int)(strtab.Offset + offset), (int)(strtab.Size - offset));
        int end = bytes.IndexOf((byte)0);
        if (end < 0)
            throw new InvalidDataException("an unterminated string in the version string table");
        return Encoding.ASCII.GetString(bytes[..end]);
    }

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, uint Info)
    {
        public static Section Read(ReadOnlySpan<byte> elf, int at) => new(
            Type: BinaryPrimitives.ReadUInt32LittleEndian(elf[(at + 4)..]),
            Offset: BinaryPrimitives.ReadUInt64LittleEndian(elf[(at + 24)..]),
            Size: BinaryPrimitives.ReadUInt64LittleEndian(elf[(at + 32)..]),
            Link: BinaryPrimitives.ReadUInt32LittleEndian(elf[(at + 40)..]),
            Info: BinaryPrimitives.ReadUInt32LittleEndian(elf[(at + 44)..]));
    }
}
